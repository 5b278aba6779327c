// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcgctl policy events [NAME] [-f]: the actions policies took that
 * nobody has read yet.  The records are read by policy_events_open()
 * (policy_params.c) and formatted by policy_event.c, as watch -e policy's.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfutil.h"
#include "cgroup.h"
#include "clock.h"
#include "escape.h"
#include "main.h"
#include "policy.h"
#include "policy_event.h"
#include "policy_int.h"
#include "stopsig.h"

static const struct argp_option events_options[] = {
	{ "follow", 'f', 0, 0, "keep waiting for new events (until SIGINT)", 0 },
	{ 0 },
};

/* What `policy events` needs to place a record: the hierarchy and the clocks. */
struct events_ctx {
	struct cg_env env;
	bool have_env;
	int64_t mono_to_real_ns;
	uint64_t last_id;	/* one-entry cache: a burst is usually one cgroup */
	char last_rel[PATH_MAX];
	bool last_found;
};

static const char *events_cgroup(struct events_ctx *c, uint64_t id)
{
	char arg[24], err[PATH_MAX + 64];
	struct cg_ref ref;

	if (!c->have_env)
		return NULL;
	if (id != c->last_id || !c->last_id) {
		snprintf(arg, sizeof(arg), "%" PRIu64, id);
		c->last_id = id;
		c->last_found = !cg_resolve(&c->env, arg, &ref, err, sizeof(err));
		if (c->last_found)
			snprintf(c->last_rel, sizeof(c->last_rel), "%s", ref.rel);
	}
	return c->last_found ? c->last_rel : NULL;
}

static int print_event(void *ctx, const struct policy_meta *m, const struct policy_event *e)
{
	struct events_ctx *c = ctx;
	struct policy_event_rec r = {
		.meta = m, .e = e, .cgroup = events_cgroup(c, e->cgroup_id),
		.time = (double)((int64_t)e->ts_ns + c->mono_to_real_ns) / 1e9,
		.v1 = c->have_env && !c->env.mem_is_v2,
	};
	char det[320], tbuf[32], comm[sizeof(e->comm) + 1], idbuf[40];
	time_t sec = (time_t)r.time;
	struct tm tm;

	if (json_wtr) {
		policy_event_json(json_wtr, &r);
		return 0;
	}
	memcpy(comm, e->comm, sizeof(e->comm));
	comm[sizeof(e->comm)] = 0;
	if (!r.cgroup) {
		snprintf(idbuf, sizeof(idbuf), "id:%" PRIu64, (uint64_t)e->cgroup_id);
		r.cgroup = idbuf;
	}
	localtime_r(&sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	policy_event_details(&r, det, sizeof(det));
	printf("%s.%03d %s pid %u (%s) %s\n", tbuf, (int)((r.time - (double)sec) * 1000),
	       esc(r.cgroup), e->tgid, comm[0] ? esc(comm) : "-", det);
	return 0;
}

int do_events(int argc, char **argv)
{
	static const struct argp argp = { events_options, pol_parse, "[NAME]",
		"Print the actions policies took that nobody has read yet (one line, or one "
		"JSON object per line, each), then exit; -f keeps waiting for more. Each "
		"policy's ring buffer has one reader: this and 'watch -e policy' share it.",
		0, 0, 0 };
	struct policy_event_reader *r;
	struct events_ctx *ctx;
	struct pol_args a = { 0 };
	char err[PATH_MAX + 64];
	bool done;
	int ret;

	ret = pol_cmd_parse(&argp, argc, argv, &a, &done);
	if (ret || done)
		return ret;
	if (a.npos > 1) {
		p_err("policy events: one NAME at most");
		return EXIT_USAGE;
	}
	if (a.npos) {
		ret = need_loaded("events", a.pos[0]);
		if (ret)
			return ret;
	}
	ret = bpf_check_privileges("policy events");
	if (ret)
		return ret;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		p_err("policy events: out of memory");
		return EXIT_RUNTIME;
	}
	/* without a memory hierarchy the records still print, without paths */
	ctx->have_env = !cg_env_init(&ctx->env, NULL, gopts.cgroup_root, gopts.psi_root, err,
				     sizeof(err));
	ctx->mono_to_real_ns = clock_mono_to_real_ns();
	r = policy_events_open(a.npos ? a.pos[0] : NULL, print_event, ctx, err, sizeof(err));
	if (!r) {
		p_err("policy events: %s", err);
		free(ctx);
		return EXIT_RUNTIME;
	}
	stopsig_install(STOPSIG_RESTART);	/* as signal(2) did */
	ret = policy_events_poll(r, 0);
	while (a.follow && ret >= 0 && !stopsig && !stdout_check()) {
		ret = policy_events_poll(r, 200);
		if (ret == -EINTR)
			ret = 0;
	}
	policy_events_close(r);
	free(ctx);
	if (ret < 0) {
		p_err("policy events: %s", strerror(-ret));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
