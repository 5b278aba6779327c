// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared command-line plumbing: diagnostics (plain and JSON), command
 * dispatch by unambiguous prefix, and per-command argp parsing.
 */
#include <argp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "escape.h"
#include "main.h"

struct global_opts gopts;
struct json_writer *json_wtr;

const char *prog_name = "memcgctl";

/* ---- diagnostics ---------------------------------------------------- */

/* Under -j the first error (and its hint) is held and printed as one object. */
static char json_err[1024];
static char json_hint[512];
static bool json_err_pending;
static unsigned int errs_reported;	/* p_err() calls, to tell who reported */
static int argp_bad_next;		/* argv index after argp's failure */

/* p_capture(): where diagnostics go instead of stderr, and whether an error is there */
static char *cap_buf;
static size_t cap_len;
static bool cap_has_err;

void p_capture(char *buf, size_t len)
{
	cap_buf = len ? buf : NULL;
	cap_len = len;
	cap_has_err = false;
	if (cap_buf)
		cap_buf[0] = '\0';
}

/*
 * One diagnostic line on stderr.  Messages carry cgroup paths, unit names
 * and comms that other users choose: the whole line goes out escaped
 * (escape.h), so that it stays one line and cannot steer the terminal.
 * Under p_capture() the line (without its prefix) is kept instead: the
 * first error, else the first line of another kind.
 */
__attribute__((format(printf, 3, 0)))
static void diag_line_kind(const char *prefix, bool is_err, const char *fmt, va_list ap)
{
	char stackbuf[1024], *msg = stackbuf, *out;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(stackbuf)) {
		msg = malloc(n + 1);
		if (!msg)
			msg = stackbuf;	/* print what fitted */
		else
			vsnprintf(msg, n + 1, fmt, ap);
	}
	n = strlen(msg);
	if (cap_buf) {
		if (!cap_has_err && (is_err || !cap_buf[0]))
			esc_mem(cap_buf, cap_len, msg, n);
		cap_has_err |= is_err;
		if (msg != stackbuf)
			free(msg);
		return;
	}
	out = malloc((size_t)n * ESC_GROWTH + 1);
	fprintf(stderr, "%s", prefix);
	fputs(out ? esc_mem(out, (size_t)n * ESC_GROWTH + 1, msg, n) : "(out of memory)", stderr);
	fputc('\n', stderr);
	free(out);
	if (msg != stackbuf)
		free(msg);
}

void p_err(const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	errs_reported++;
	va_start(ap, fmt);
	if (gopts.json && !cap_buf && !json_err_pending && !json_err[0]) {
		vsnprintf(json_err, sizeof(json_err), fmt, ap);
		json_err_pending = true;
	} else {
		snprintf(prefix, sizeof(prefix), "%s: ", prog_name);
		diag_line_kind(prefix, true, fmt, ap);
	}
	va_end(ap);
}

void p_hint(const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	va_start(ap, fmt);
	if (gopts.json && !cap_buf) {
		if (json_err_pending && !json_hint[0])
			vsnprintf(json_hint, sizeof(json_hint), fmt, ap);
	} else {
		snprintf(prefix, sizeof(prefix), "%s: hint: ", prog_name);
		diag_line_kind(prefix, false, fmt, ap);
	}
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (gopts.json)
		return;
	va_start(ap, fmt);
	diag_line_kind("", false, fmt, ap);
	va_end(ap);
}

void p_debug(const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	if (!gopts.debug)
		return;
	va_start(ap, fmt);
	snprintf(prefix, sizeof(prefix), "%s: debug: ", prog_name);
	diag_line_kind(prefix, false, fmt, ap);
	va_end(ap);
}

void diag_flush(void)
{
	struct json_writer *w;

	if (!json_err_pending)
		return;
	json_err_pending = false;
	w = jsonw_new(stdout, gopts.pretty);
	if (!w)
		return;
	jsonw_start_object(w);
	jsonw_string_field(w, "error", json_err);
	if (json_hint[0])
		jsonw_string_field(w, "hint", json_hint);
	jsonw_end_object(w);
	jsonw_end_document(w);
	stdout_failed(jsonw_error(w));
	jsonw_destroy(&w);
}

/* ---- standard output ------------------------------------------------ */

/* The first write error on stdout: a positive errno, -1 when unknown. */
static int stdout_err;

void stdout_failed(int err)
{
	/* a known cause replaces an unknown one */
	if (err && (!stdout_err || stdout_err == -1))
		stdout_err = err;
}

int stdout_check(void)
{
	if (json_wtr)	/* its own flushes may have failed first */
		stdout_failed(jsonw_error(json_wtr));
	if (stdout_err)
		return stdout_err;
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	/* an earlier buffered write may have failed: its errno is gone */
	stdout_err = errno ? errno : -1;
	return stdout_err;
}

int stdout_close(int ret)
{
	int err = stdout_check();

	if (!err && fclose(stdout))
		err = errno ? errno : -1;
	if (!err || err == EPIPE)
		return ret;	/* EPIPE: the reader chose to stop reading */
	if (err > 0)
		fprintf(stderr, "%s: write error on standard output: %s\n", prog_name,
			strerror(err));
	else
		fprintf(stderr, "%s: write error on standard output\n", prog_name);
	return ret == EXIT_OK ? EXIT_RUNTIME : ret;
}

/* ---- dispatch ------------------------------------------------------- */

bool is_help_arg(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "--help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "-?") || !strcmp(arg, "--usage");
}

/*
 * Find argv[0] in cmds by exact name or unambiguous prefix, as bpftool
 * does, and run it with the remaining arguments.
 */
int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv))
{
	const struct cmd *match = NULL;
	int nmatch = 0;
	size_t len;

	if (argc < 1 || is_help_arg(argv[0]))
		return help(argc, argv);
	len = strlen(argv[0]);
	if (len == 0) {
		p_err("empty command name");
		return EXIT_USAGE;
	}
	for (const struct cmd *c = cmds; c->name; c++) {
		if (!strcmp(c->name, argv[0])) {
			match = c;
			nmatch = 1;
			break;
		}
		if (!strncmp(c->name, argv[0], len)) {
			match = c;
			nmatch++;
		}
	}
	if (nmatch == 1)
		return match->func(argc, argv);
	if (nmatch > 1) {
		char names[256] = "";

		for (const struct cmd *c = cmds; c->name; c++) {
			if (strncmp(c->name, argv[0], len))
				continue;
			if (names[0])
				strncat(names, ", ", sizeof(names) - strlen(names) - 1);
			strncat(names, c->name, sizeof(names) - strlen(names) - 1);
		}
		p_err("'%s' is ambiguous: it could be %s", argv[0], names);
		return EXIT_USAGE;
	}
	p_err("unknown command '%s'", argv[0]);
	p_hint("'%s help' lists the commands", prog_name);
	return EXIT_USAGE;
}

enum { OPT_USAGE = 0x7f00 };	/* above any command's own option keys */

/*
 * -j, -p and -d are accepted after the command too, as bpftool does.
 * --help, -? and --usage are ours rather than argp's (ARGP_NO_HELP):
 * argp's print the help and let the command run on.
 */
static const struct argp_option common_options[] = {
	{ "json", 'j', 0, OPTION_HIDDEN, "JSON output", 0 },
	{ "pretty", 'p', 0, OPTION_HIDDEN, "indented JSON", 0 },
	{ "debug", 'd', 0, OPTION_HIDDEN, "libbpf messages", 0 },
	{ "help", '?', 0, 0, "give this help list", -1 },
	{ "usage", OPT_USAGE, 0, 0, "give a short usage message", -1 },
	{ 0 },
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'j': gopts.json = true; break;
	case 'p': gopts.json = gopts.pretty = true; break;
	case 'd': gopts.debug = true; break;
	case '?': case OPT_USAGE: break;	/* seen by help_scan() already */
	case ARGP_KEY_ERROR: argp_bad_next = state->next; return ARGP_ERR_UNKNOWN;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* What help_scan() found: 0, ARGP_HELP_STD_HELP or ARGP_HELP_USAGE. */
static unsigned int help_wanted;

/*
 * The scan's parser, for the command's options and ours alike: it takes
 * every option and argument and acts on none but the help requests.
 */
static error_t help_scan_parse(int key, char *arg, struct argp_state *state)
{
	if (key == '?')
		help_wanted = ARGP_HELP_STD_HELP;
	else if (key == OPT_USAGE && !help_wanted)
		help_wanted = ARGP_HELP_USAGE;
	else if (key >= ARGP_KEY_END)
		return ARGP_ERR_UNKNOWN;	/* argp's own events: the defaults */
	return 0;
}

/*
 * Is help asked for anywhere on the line?  A first pass with the same
 * option tables, so that an option's argument ("--filter --help") is
 * told from an option and "--" ends the options, as in the real parse;
 * nothing of the command runs.  Parse errors are left to the real pass.
 */
static unsigned int help_scan(const struct argp *full, int argc, char **argv)
{
	/* the same children (cmd_parse() gives one), each with the scan's parser */
	struct argp_child kids[4] = { { 0 } };
	struct argp kid_argps[4];
	struct argp scan = *full;
	int n = 0;

	for (const struct argp_child *c = full->children; c && c->argp && n < 3; c++, n++) {
		kid_argps[n] = *c->argp;
		kid_argps[n].parser = help_scan_parse;
		kids[n] = *c;
		kids[n].argp = &kid_argps[n];
	}
	scan.parser = help_scan_parse;
	scan.children = kids;
	help_wanted = 0;
	argp_parse(&scan, argc, argv, ARGP_NO_EXIT | ARGP_NO_ERRS | ARGP_NO_HELP, NULL, NULL);
	return help_wanted;
}

/* The command's help on stdout: text, or under -j {"help": "<text>"}. */
static void cmd_help(const struct argp *full, unsigned int flags, char *name)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!gopts.json) {
		argp_help(full, stdout, flags, name);
		return;
	}
	f = open_memstream(&text, &len);
	if (f) {
		argp_help(full, f, flags, name);
		fclose(f);
	}
	if (!json_wtr)
		json_wtr = jsonw_new(stdout, gopts.pretty);
	if (json_wtr) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "help", text ? text : "");
		jsonw_end_object(json_wtr);
	}
	free(text);
}

bool diag_error_pending(void)
{
	return json_err_pending;
}

int cmd_parse(const struct argp *argp, int argc, char **argv, void *input,
	      bool *done)
{
	static const struct argp common_argp = { common_options, common_parse, 0, 0, 0, 0, 0 };
	const struct argp_child children[] = { { &common_argp, 0, 0, 0 }, { 0 } };
	struct argp full = *argp;
	char name[64];
	char *saved0 = argv[0];
	unsigned int flags = ARGP_NO_EXIT | ARGP_NO_HELP, help, errs;
	int err;

	*done = false;
	full.children = children;
	snprintf(name, sizeof(name), "%s %s", prog_name, argv[0]);
	/* -j anywhere decides how argp's own errors are reported */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json") ||
		    !strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			gopts.json = true;
	argv[0] = name;
	/* help, wherever it is, ends the command before any of it runs */
	help = argc >= 2 && !strcmp(argv[1], "help") ? ARGP_HELP_STD_HELP :
	       help_scan(&full, argc, argv);
	if (help) {
		cmd_help(&full, help, name);
		argv[0] = saved0;
		*done = true;
		return EXIT_OK;
	}
	/*
	 * argp's own messages are two lines ("Try ... --usage") under another
	 * prefix; getopt's errors are reported here instead, as one line.
	 */
	flags |= ARGP_NO_ERRS;
	errs = errs_reported;
	argp_bad_next = 0;
	err = argp_parse(&full, argc, argv, flags, NULL, input);
	argv[0] = saved0;
	if (gopts.json && !json_wtr)
		json_wtr = jsonw_new(stdout, gopts.pretty);
	if (err) {
		/* option handlers have reported their own error already */
		if (errs_reported != errs)
			return EXIT_USAGE;
		if (argp_bad_next > 1 && argp_bad_next <= argc && argv[argp_bad_next - 1][0] == '-')
			p_err("%s: unknown option or missing value: '%s'; see '%s help'", saved0,
			      esc(argv[argp_bad_next - 1]), name);
		else
			p_err("%s: invalid arguments; see '%s help'", saved0, name);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_arg_cgroup(const char *cmd, const char **slot, const char *arg)
{
	if (*slot) {
		p_err("%s: one CGROUP at most (got '%s' and '%s')", cmd, *slot, arg);
		return EINVAL;
	}
	if (!*arg) {
		p_err("%s: empty cgroup name", cmd);
		return EINVAL;
	}
	*slot = arg;
	return 0;
}

int cmd_cgroup(const char *cmd, struct cg_env *env, const char *cgroup, struct cg_ref *ref)
{
	char err[PATH_MAX + 128];
	int ret;

	if (cg_env_init(env, NULL, gopts.cgroup_root, gopts.psi_root, err, sizeof(err))) {
		p_err("%s: %s", cmd, err);
		p_hint("mount the memory controller (cgroup v2, or v1 'memory') or pass --cgroup-root");
		return EXIT_UNSUPPORTED;
	}
	if (!ref)
		return 0;
	ret = cg_resolve(env, cgroup, ref, err, sizeof(err));
	if (ret) {
		p_err("%s: %s", cmd, err);
		return ret == -EINVAL ? EXIT_USAGE : EXIT_NOCGROUP;
	}
	return 0;
}
