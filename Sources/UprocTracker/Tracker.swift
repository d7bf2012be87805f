// Issue 4: the process table and namespace membership.
