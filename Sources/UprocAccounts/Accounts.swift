// Issue 3: passwd/group parsing and the starter-config generator.
