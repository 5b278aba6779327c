/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "No limit" as memcgctl's BPF programs hand it to user space in a byte
 * field (notify's max/high, a policy record's limit_bytes): all ones, what
 * page_counter's max reads as.  User space gives all ones another meaning,
 * CG_UNKNOWN ("could not read"), and says no limit with CG_NOLIMIT:
 * cg_limit_from_bpf() in cmd/cgroup.h is the one conversion between the two.
 */
#ifndef MEMCGCTL_BPF_NOLIMIT_H
#define MEMCGCTL_BPF_NOLIMIT_H

#define BPF_NOLIMIT (~0ULL)

#endif
