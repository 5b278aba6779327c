// SPDX-License-Identifier: GPL-2.0-only
/* top's rstat flush with bpf_mem_cgroup_flush_stats (7.0+): see bpf/top_flush.bpf.h */
#define MEMCG_FLUSH_WITH_MEMCG_KFUNC
#include "top_flush.bpf.h"
