"""Tasks and system calls: spawn, fork, exec, exit, wait, mmap & co, signals."""
