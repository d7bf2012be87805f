#ifndef C_LINUX_PROC_H
#define C_LINUX_PROC_H
// Filled in by the proc-connector work: netlink/connector/cn_proc as
// prefixed static inline functions.
#endif
