// Debian's libinotifytools0-dev (tools/install-deps installs it; it ships no
// pkg-config file). Only UprocLinux/Watching uses it, from one thread.
#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>
