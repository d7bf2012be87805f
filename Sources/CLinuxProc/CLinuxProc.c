// Everything in CLinuxProc is static inline in the header; this file gives
// SwiftPM a translation unit to build the module from.
#include "CLinuxProc.h"
