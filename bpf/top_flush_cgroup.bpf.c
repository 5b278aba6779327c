// SPDX-License-Identifier: GPL-2.0-only
/* top's rstat flush with cgroup_rstat_flush (6.1 .. 6.15): see bpf/top_flush.bpf.h */
#define MEMCG_FLUSH_WITH_CGROUP_RSTAT
#include "top_flush.bpf.h"
