// Issue 4: start-up, loop, publish, shutdown.
