#include "CLinuxProc.h"
