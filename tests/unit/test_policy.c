// SPDX-License-Identifier: GPL-2.0-only
/* policy parameters from BTF, their parsing and printing; names; signals. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "policy.h"
#include "policy_brake.h"
#include "../../bpf/preoom_headroom.h"
#include "unit.h"

/* struct cfg { u32 enabled; _Bool flag; s32 delta; u64 window_ns; u32 limit_pct;
 *              u32 signal; u64 cap_bytes; u8 small; u32 __pad; char name[8]; } */
static struct btf *make_btf(uint32_t *cfg_id)
{
	struct btf *b = btf__new_empty();
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int u64 = btf__add_int(b, "unsigned long long", 8, 0);
	int u8 = btf__add_int(b, "unsigned char", 1, 0);
	int bl = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	int ch = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	int arr = btf__add_array(b, u32, ch, 8);
	int td = btf__add_typedef(b, "__u32", u32);
	int s = btf__add_struct(b, "cfg", 48);

	btf__add_field(b, "enabled", td, 0, 0);
	btf__add_field(b, "flag", bl, 32, 0);
	btf__add_field(b, "delta", s32, 64, 0);
	btf__add_field(b, "window_ns", u64, 128, 0);
	btf__add_field(b, "limit_pct", u32, 192, 0);
	btf__add_field(b, "signal", u32, 224, 0);
	btf__add_field(b, "cap_bytes", u64, 256, 0);
	btf__add_field(b, "small", u8, 320, 0);
	btf__add_field(b, "__pad", u32, 328 + 24, 0);
	btf__add_field(b, "name", arr, 320 + 32 + 32, 0);
	*cfg_id = s;
	return b;
}

static const struct policy_param *find(const struct policy_param *ps, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(ps[i].name, name))
			return &ps[i];
	return NULL;
}

static void put_high(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fprintf(f, "%s\n", v);
		fclose(f);
	}
}

static void get_high(const char *path, char *val, size_t len)
{
	FILE *f = fopen(path, "r");

	val[0] = '\0';
	if (f) {
		if (!fgets(val, (int)len, f))
			val[0] = '\0';
		fclose(f);
	}
	val[strcspn(val, "\n")] = '\0';
}

int main(void)
{
	struct policy_param ps[POLICY_MAX_PARAMS];
	unsigned char blob[48] = { 0 };
	char err[256], buf[64];
	uint32_t id, size;
	struct btf *b;
	int n;

	unit_suite = "policy";
	b = make_btf(&id);
	n = policy_params_from_btf(b, id, ps, POLICY_MAX_PARAMS, &size, err, sizeof(err));
	CHECK("btf-params-count", n == 8);	/* __pad and the char array are skipped */
	CHECK("btf-struct-size", size == 48);
	CHECK("btf-typedef-resolved", find(ps, n, "enabled") && find(ps, n, "enabled")->size == 4);
	CHECK("btf-bool-kind", find(ps, n, "flag")->kind == PK_BOOL);
	CHECK("btf-signed", find(ps, n, "delta")->is_signed);
	CHECK("btf-duration-kind", find(ps, n, "window_ns")->kind == PK_DURATION);
	CHECK("btf-pct-kind", find(ps, n, "limit_pct")->kind == PK_PERCENT);
	CHECK("btf-signal-kind", find(ps, n, "signal")->kind == PK_SIGNAL);
	CHECK("btf-size-kind", find(ps, n, "cap_bytes")->kind == PK_SIZE);
	CHECK("btf-offset", find(ps, n, "cap_bytes")->offset == 32);
	CHECK("btf-hidden-pad", !find(ps, n, "__pad"));
	CHECK("btf-array-skipped", !find(ps, n, "name"));
	CHECK("btf-not-struct", policy_params_from_btf(b, 1, ps, POLICY_MAX_PARAMS, &size,
						       err, sizeof(err)) == -EINVAL);

	{
		char *kv[] = { "enabled=7", "flag=true", "delta=-5", "window_ns=1.5s",
			       "limit_pct=90%", "signal=SIGUSR1", "cap_bytes=2M", "small=255" };

		CHECK("apply-ok", policy_params_apply(ps, n, blob, kv, 8, err, sizeof(err)) == 0);
		CHECK("get-u32", policy_param_get(find(ps, n, "enabled"), blob) == 7);
		CHECK("get-bool", policy_param_get(find(ps, n, "flag"), blob) == 1);
		CHECK("get-signed", (int64_t)policy_param_get(find(ps, n, "delta"), blob) == -5);
		CHECK("get-duration", policy_param_get(find(ps, n, "window_ns"), blob) == 1500000000ULL);
		CHECK("get-pct", policy_param_get(find(ps, n, "limit_pct"), blob) == 90);
		CHECK("get-signal", policy_param_get(find(ps, n, "signal"), blob) == SIGUSR1);
		CHECK("get-size", policy_param_get(find(ps, n, "cap_bytes"), blob) == 2 << 20);
		CHECK("get-u8", policy_param_get(find(ps, n, "small"), blob) == 255);
		CHECK_STR("fmt-duration", "1.50s",
			  policy_param_format(find(ps, n, "window_ns"), 1500000000ULL, buf, sizeof(buf)));
		CHECK_STR("fmt-pct", "90%", policy_param_format(find(ps, n, "limit_pct"), 90, buf, sizeof(buf)));
		CHECK_STR("fmt-signal", "SIGUSR1",
			  policy_param_format(find(ps, n, "signal"), SIGUSR1, buf, sizeof(buf)));
		CHECK_STR("fmt-signal-unknown", "40",
			  policy_param_format(find(ps, n, "signal"), 40, buf, sizeof(buf)));
		CHECK_STR("fmt-bool", "yes", policy_param_format(find(ps, n, "flag"), 1, buf, sizeof(buf)));
		CHECK_STR("fmt-signed", "-5",
			  policy_param_format(find(ps, n, "delta"), (uint64_t)-5, buf, sizeof(buf)));
	}
	{
		static const char *bad[] = {
			"small=256", "small=-1", "delta=2147483648", "delta=-2147483649", "enabled=4294967296",
			"enabled=", "=1", "enabled", "nosuch=1", "window_ns=10", "window_ns=abc",
			"limit_pct=101", "limit_pct=12.5%", "limit_pct=-1", "signal=SIGFOO", "signal=0",
			"signal=65", "flag=2", "cap_bytes=12Q", "enabled=1x", "enabled= 1", "delta=1.5",
			"enabled=18446744073709551616",
		};
		unsigned char before[48];

		memcpy(before, blob, sizeof(blob));
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *kv[] = { (char *)bad[i] };
			char name[64];

			snprintf(name, sizeof(name), "reject %s", bad[i]);
			CHECK(name, policy_params_apply(ps, n, blob, kv, 1, err, sizeof(err)) != 0 && err[0]);
		}
		CHECK("rejects-leave-blob", !memcmp(before, blob, sizeof(blob)));
		{
			char *kv[] = { "window_ns=0", "limit_pct=0", "delta=-2147483648" };

			CHECK("zero-duration-ok", policy_params_apply(ps, n, blob, kv, 3, err, sizeof(err)) == 0);
		}
	}

	CHECK("name-ok", policy_name_valid("oom_guard-1"));
	CHECK("name-empty", !policy_name_valid(""));
	CHECK("name-dot", !policy_name_valid("a.b"));
	CHECK("name-slash", !policy_name_valid("a/b"));
	CHECK("name-dotdot", !policy_name_valid(".."));
	CHECK("name-dash-first", !policy_name_valid("-a"));
	CHECK("name-31", policy_name_valid("abcdefghijabcdefghijabcdefghija"));
	CHECK("name-32", !policy_name_valid("abcdefghijabcdefghijabcdefghijab"));

	CHECK("sig-term", policy_signal_parse("TERM") == SIGTERM);
	CHECK("sig-sigterm", policy_signal_parse("SIGTERM") == SIGTERM);
	CHECK("sig-lower", policy_signal_parse("sigusr1") == SIGUSR1);
	CHECK("sig-num", policy_signal_parse("10") == 10);
	CHECK("sig-rt", policy_signal_parse("64") == 64);
	CHECK("sig-zero", policy_signal_parse("0") < 0);
	CHECK("sig-big", policy_signal_parse("65") < 0);
	CHECK("sig-junk", policy_signal_parse("TERMX") < 0);
	CHECK("sig-empty", policy_signal_parse("") < 0);
	CHECK_STR("sig-name", "SIGKILL", policy_signal_name(SIGKILL));
	CHECK_STR("reason-name", "reclaim_failing", policy_reason_name(POLICY_REASON_RECLAIM_FAILING));
	CHECK_STR("reason-user", "user", policy_reason_name(POLICY_REASON_USER + 3));
	CHECK_STR("action-name", "dry_run", policy_action_name(POLICY_ACT_DRY_RUN));

	btf__free(b);

	/* an enum member: set and shown by name, common prefix dropped */
	{
		struct btf *e = btf__new_empty();
		int en = btf__add_enum(e, "tgt", 4), en1, st;
		const struct policy_param *t, *u;
		unsigned char v[8] = { 0 };
		uint64_t x;

		btf__add_enum_value(e, "TGT_KIND_CHARGER", 0);
		btf__add_enum_value(e, "TGT_KIND_LARGEST", 1);
		btf__add_enum_value(e, "TGT_KIND_ALL_OF_THEM", 5);
		en1 = btf__add_enum(e, "one", 4);
		btf__add_enum_value(e, "ONLY_ONE", 3);
		st = btf__add_struct(e, "c", 8);
		btf__add_field(e, "target", en, 0, 0);
		btf__add_field(e, "mode", en1, 32, 0);
		n = policy_params_from_btf(e, st, ps, POLICY_MAX_PARAMS, &size, err, sizeof(err));
		CHECK("enum-params", n == 2);
		t = find(ps, n, "target");
		u = find(ps, n, "mode");
		CHECK("enum-kind", t && t->kind == PK_ENUM && t->nenum == 3);
		CHECK_STR("enum-prefix-dropped", "largest", t->enums[1].name);
		CHECK_STR("enum-underscores-kept", "all_of_them", t->enums[2].name);
		CHECK_STR("enum-single", "one", u->enums[0].name);
		CHECK("enum-parse", policy_param_parse(t, "LARGEST", &x, err, sizeof(err)) == 0 && x == 1);
		CHECK("enum-parse-bad", policy_param_parse(t, "biggest", &x, err, sizeof(err)) == -EINVAL);
		CHECK_STR("enum-parse-bad-lists", "target: 'biggest' is not one of charger, largest, all_of_them", err);
		CHECK("enum-parse-number-refused", policy_param_parse(t, "1", &x, err, sizeof(err)) == -EINVAL);
		CHECK_STR("enum-format", "all_of_them", policy_param_format(t, 5, buf, sizeof(buf)));
		CHECK_STR("enum-format-unknown", "7", policy_param_format(t, 7, buf, sizeof(buf)));
		{
			char *kv[] = { "target=largest" };

			CHECK("enum-apply", policy_params_apply(ps, n, v, kv, 1, err, sizeof(err)) == 0 &&
			      policy_param_get(t, v) == 1);
		}
		btf__free(e);
	}
	/* the contract's switches take 0 or 1 only, and stay integers */
	{
		struct btf *w = make_btf(&id);
		unsigned char v[48] = { 0 };
		const struct policy_param *en;

		n = policy_params_from_btf(w, id, ps, POLICY_MAX_PARAMS, &size, err, sizeof(err));
		policy_params_mark_switches(ps, n);
		en = find(ps, n, "enabled");
		CHECK("switch-marked", en && en->is_switch && en->kind == PK_INT);
		CHECK("switch-not-others", !find(ps, n, "small")->is_switch &&
		      !find(ps, n, "limit_pct")->is_switch && !find(ps, n, "flag")->is_switch);
		{
			char *kv2[] = { "enabled=2" }, *kvt[] = { "enabled=true" }, *kv0[] = { "enabled=off" };

			CHECK("switch-rejects-2", policy_params_apply(ps, n, v, kv2, 1, err, sizeof(err)) != 0);
			CHECK_STR("switch-rejects-2-says", "enabled: '2' is not a boolean (0, 1, true, false)", err);
			CHECK("switch-true", policy_params_apply(ps, n, v, kvt, 1, err, sizeof(err)) == 0 &&
			      policy_param_get(en, v) == 1);
			CHECK_STR("switch-shown-as-integer", "1", policy_param_format(en, 1, buf, sizeof(buf)));
			CHECK("switch-off", policy_params_apply(ps, n, v, kv0, 1, err, sizeof(err)) == 0 &&
			      policy_param_get(en, v) == 0);
		}
		btf__free(w);
	}
	/* hostile BTF: members beyond the struct's declared size are refused */
	{
		struct btf *h = btf__new_empty();
		int u32 = btf__add_int(h, "unsigned int", 4, 0);
		int u64 = btf__add_int(h, "unsigned long long", 8, 0);
		int fits = btf__add_struct(h, "fits", 8), past, straddle, far, huge;

		btf__add_field(h, "whole", u64, 0, 0);
		past = btf__add_struct(h, "past", 8);
		btf__add_field(h, "enabled", u32, 0, 0);
		btf__add_field(h, "beyond", u64, 64, 0);
		straddle = btf__add_struct(h, "straddle", 8);
		btf__add_field(h, "half_in", u64, 32, 0);
		far = btf__add_struct(h, "far", 8);
		btf__add_field(h, "wraps", u64, 0xfffffff8u, 0);
		huge = btf__add_struct(h, "huge", 1u << 30);
		btf__add_field(h, "x", u32, 0, 0);

		CHECK("hostile-exact-fit-ok", policy_params_from_btf(h, fits, ps, POLICY_MAX_PARAMS,
				&size, err, sizeof(err)) == 1 && size == 8);
		err[0] = '\0';
		CHECK("hostile-past-end", policy_params_from_btf(h, past, ps, POLICY_MAX_PARAMS,
				&size, err, sizeof(err)) == -EINVAL);
		CHECK_STR("hostile-past-end-says",
			  "policy_config member 'beyond' (8 bytes at offset 8) lies outside its struct of 8 bytes",
			  err);
		CHECK("hostile-straddle", policy_params_from_btf(h, straddle, ps, POLICY_MAX_PARAMS,
				&size, err, sizeof(err)) == -EINVAL);
		CHECK("hostile-offset-wraps", policy_params_from_btf(h, far, ps, POLICY_MAX_PARAMS,
				&size, err, sizeof(err)) == -EINVAL);
		CHECK("hostile-huge-struct", policy_params_from_btf(h, huge, ps, POLICY_MAX_PARAMS,
				&size, err, sizeof(err)) == -E2BIG && err[0]);
		btf__free(h);
	}
	{	/* preoom's rate term: a fast allocator gets a wider headroom than a slow one */
		const __u64 room = 6710886, grace = 100000000;	/* 10% of 64M, 100 ms */
		__u64 slow = preoom_effective_headroom(room, 8 << 20, grace);	/* 8 MiB/s */
		__u64 fast = preoom_effective_headroom(room, 100ULL << 20, grace);	/* 100 MiB/s */
		__u64 burst = preoom_effective_headroom(room, 4ULL << 30, grace);	/* 4 GiB/s */

		CHECK("rate-slow-static", slow == room);
		CHECK("rate-fast-wider", fast == (100ULL << 20) / 10 && fast > room);
		/* with the same static headroom, the fast one is signalled at a lower usage */
		CHECK("rate-fast-signalled-lower", (64 << 20) - fast < (64 << 20) - slow);
		CHECK("rate-capped-at-band", burst == PREOOM_RATE_BAND * room);
		CHECK("rate-off", preoom_effective_headroom(room, 4ULL << 30, 0) == room);
		CHECK("rate-unknown", preoom_effective_headroom(room, 0, grace) == room);
		CHECK("rate-term-alone", preoom_rate_headroom(room, 100ULL << 20, grace) ==
		      (100ULL << 20) / 10);
		/* no overflow at the extremes: clamped, then capped; nor in the cap */
		CHECK("rate-cap-no-overflow", preoom_rate_headroom(~0ULL, ~0ULL, ~0ULL) > 0);
		CHECK("rate-no-overflow", preoom_rate_headroom(~0ULL / 4, ~0ULL, ~0ULL) ==
		      (PREOOM_RATE_MAX_BPS * PREOOM_RATE_MAX_US / 1000000));
	}
	{	/* the brake's record: what it writes it reads back; anything else is refused */
		struct brake_rec r = { .cgroup_id = 4242, .set = 60395520 }, got;
		char rbuf[PATH_MAX + 256];

		snprintf(r.saved, sizeof(r.saved), "max");
		snprintf(r.path, sizeof(r.path), "/sys/fs/cgroup/a b/c");
		CHECK("brake-format", brake_format(&r, rbuf, sizeof(rbuf)) > 0);
		CHECK("brake-roundtrip", brake_parse(rbuf, &got) == 0 && got.cgroup_id == 4242 &&
		      got.set == 60395520 && !strcmp(got.saved, "max") &&
		      !strcmp(got.path, "/sys/fs/cgroup/a b/c"));
		CHECK("brake-number-saved", brake_parse("memcgctl-brake 1\ncgroup_id 7\nset 4096\n"
			"saved 65011712\npath /x\n", &got) == 0 && !strcmp(got.saved, "65011712"));
		CHECK("brake-bad-magic", brake_parse("memcgctl-brake 2\ncgroup_id 7\nset 4096\n"
			"saved max\npath /x\n", &got) == -EINVAL);
		CHECK("brake-bad-saved", brake_parse("memcgctl-brake 1\ncgroup_id 7\nset 4096\n"
			"saved 12k\npath /x\n", &got) == -EINVAL);
		CHECK("brake-relative-path", brake_parse("memcgctl-brake 1\ncgroup_id 7\nset 4096\n"
			"saved max\npath x\n", &got) == -EINVAL);
		CHECK("brake-trailing", brake_parse("memcgctl-brake 1\ncgroup_id 7\nset 4096\n"
			"saved max\npath /x\n/y\n", &got) == -EINVAL);
		CHECK("brake-truncated", brake_parse("memcgctl-brake 1\ncgroup_id 7\nset 4096\n"
			"saved max\npath /x", &got) == -EINVAL);
		CHECK("brake-zero-set", brake_parse("memcgctl-brake 1\ncgroup_id 7\nset 0\n"
			"saved max\npath /x\n", &got) == -EINVAL);
		CHECK_STR("brake-result-name", "changed", brake_result_name(BRAKE_CHANGED));
	}
	if (geteuid() == 0) {	/* engage and release on a stand-in cgroup directory */
		char run[] = "/tmp/memcgctl-unit-brake.XXXXXX", cg[PATH_MAX + 16], high[PATH_MAX + 32];
		char rec[PATH_MAX + 64], val[64] = "", berr[PATH_MAX + 256];
		struct brake_rec r;
		struct stat st;

		CHECK("brake-tmp", mkdtemp(run) != NULL);
		brake_use_run_dir(run);
		snprintf(cg, sizeof(cg), "%s/cg", run);
		snprintf(high, sizeof(high), "%s/memory.high", cg);
		snprintf(rec, sizeof(rec), "%s/brake/unit", run);
		mkdir(cg, 0755);
		stat(cg, &st);
		put_high(high, "max");
		CHECK("brake-engage", brake_engage("unit", cg, st.st_ino, 60397978, &r, berr,
						   sizeof(berr)) == 1 && r.set == 60395520);
		get_high(high, val, sizeof(val));
		CHECK_STR("brake-engaged", "60395520", val);
		CHECK("brake-record-first", access(rec, F_OK) == 0);
		{
			struct brake_rec rr;

			CHECK("brake-read", brake_read("unit", &rr) == 0 && rr.set == 60395520 &&
			      !strcmp(rr.saved, "max"));
		}
		/* at the target already (its own brake): nothing more to set or record */
		CHECK("brake-twice-nothing", brake_engage("unit", cg, st.st_ino, 60397978, &r, berr,
							  sizeof(berr)) == 0);
		CHECK("brake-release", brake_release("unit", &r, berr, sizeof(berr)) == BRAKE_RESTORED);
		get_high(high, val, sizeof(val));
		CHECK_STR("brake-restored-max", "max", val);
		CHECK("brake-record-dropped", access(rec, F_OK) != 0);
		CHECK("brake-release-none", brake_release("unit", &r, berr, sizeof(berr)) == BRAKE_NONE);
		put_high(high, "65011712");
		brake_engage("unit", cg, st.st_ino, 60397978, &r, berr, sizeof(berr));
		put_high(high, "52428800");	/* someone else */
		CHECK("brake-changed", brake_release("unit", &r, berr, sizeof(berr)) == BRAKE_CHANGED);
		get_high(high, val, sizeof(val));
		CHECK_STR("brake-not-clobbered", "52428800", val);
		CHECK("brake-lower-left", brake_engage("unit", cg, st.st_ino, 60397978, &r, berr,
						       sizeof(berr)) == 0 && access(rec, F_OK) != 0);
		put_high(high, "65011712");
		brake_engage("unit", cg, st.st_ino, 60397978, &r, berr, sizeof(berr));
		CHECK("brake-release-number", brake_release("unit", &r, berr, sizeof(berr)) == BRAKE_RESTORED);
		get_high(high, val, sizeof(val));
		CHECK_STR("brake-restored-number", "65011712", val);
		/* another directory at its path (not its inode): not written */
		put_high(high, "max");
		CHECK("brake-other-cgroup", brake_engage("unit", cg, st.st_ino + 1, 60397978, &r, berr,
							 sizeof(berr)) == -ENOENT);
		get_high(high, val, sizeof(val));
		CHECK_STR("brake-other-cgroup-untouched", "max", val);
		/* the cgroup gone: the record is dropped */
		brake_engage("unit", cg, st.st_ino, 60397978, &r, berr, sizeof(berr));
		unlink(high);
		rmdir(cg);
		CHECK("brake-gone", brake_release("unit", &r, berr, sizeof(berr)) == BRAKE_GONE);
		CHECK("brake-gone-dropped", access(rec, F_OK) != 0);
		mkdir(cg, 0755);
		/* a record directory someone else could write is refused, memory.high untouched */
		stat(cg, &st);
		put_high(high, "max");
		chmod(run, 0755);
		CHECK("brake-dir-private", brake_engage("other", cg, st.st_ino, 60397978, &r, berr,
							sizeof(berr)) == -EPERM);
		get_high(high, val, sizeof(val));
		CHECK_STR("brake-dir-private-untouched", "max", val);
		unlink(high);
		rmdir(cg);
		snprintf(rec, sizeof(rec), "%s/brake", run);
		rmdir(rec);
		rmdir(run);
		brake_use_run_dir(BRAKE_RUN_DIR);
	}
	return unit_done();
}
