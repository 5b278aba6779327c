// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroup layer: layout detection, CGROUP resolution and reading a
 * memory cgroup's state for cgroup v2, v1 and hybrid hierarchies.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

const char *const cg_stat_names[CG_STAT_NR] = {
#define X(n) #n,
	CG_STAT_KEYS(X)
#undef X
};

const char *const cg_event_names[CG_EV_NR] = {
#define X(n) #n,
	CG_EVENT_KEYS(X)
#undef X
};

/* v1 reports "unlimited" as PAGE_COUNTER_MAX pages, rounded: anything this big */
#define V1_UNLIMITED (1ULL << 62)

const char *cg_layout_name(enum cg_layout l)
{
	switch (l) {
	case CG_LAYOUT_V2: return "v2";
	case CG_LAYOUT_V1: return "v1";
	case CG_LAYOUT_HYBRID: return "hybrid";
	default: return "none";
	}
}

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ---- small file helpers -------------------------------------------- */

int read_file_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

int read_file_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	unsigned long long x;
	int n;

	n = read_file_str(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (!strcmp(buf, "max")) {
		*v = CG_NOLIMIT;
		return 0;
	}
	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

int write_file_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static bool file_exists(const char *dir, const char *name)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return false;
	return access(p, F_OK) == 0;
}

/* ---- layout ---------------------------------------------------------- */

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape_octal(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

static bool has_word(const char *list, const char *word, char sepc)
{
	size_t wl = strlen(word);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, sepc);
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == wl && !strncmp(p, word, wl))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static bool v2_has_memory(const char *mnt)
{
	char p[PATH_MAX], buf[512];

	snprintf(p, sizeof(p), "%s/cgroup.controllers", mnt);
	if (read_file_str(p, buf, sizeof(buf)) < 0)
		return false;
	return has_word(buf, "memory", ' ');
}

int cg_env_init(struct cg_env *env, const char *mountinfo, const char *mem_root,
		const char *psi_root, char *err, size_t errlen)
{
	char line[4096], v1_mem[PATH_MAX] = "", v2_mem[PATH_MAX] = "", v2_any[PATH_MAX] = "";
	FILE *f;

	memset(env, 0, sizeof(*env));
	f = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	if (!f && !mem_root) {
		set_err(err, errlen, "cannot read %s: %s",
			mountinfo ? mountinfo : "/proc/self/mountinfo", strerror(errno));
		return -errno;
	}
	while (f && fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64], super[1024];
		char *dash = strstr(line, " - ");

		if (!dash)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		unescape_octal(mnt);
		if (!strcmp(fstype, "cgroup") && has_word(super, "memory", ',')) {
			if (!v1_mem[0])
				snprintf(v1_mem, sizeof(v1_mem), "%s", mnt);
		} else if (!strcmp(fstype, "cgroup2")) {
			if (!v2_any[0])
				snprintf(v2_any, sizeof(v2_any), "%s", mnt);
			if (!v2_mem[0] && v2_has_memory(mnt))
				snprintf(v2_mem, sizeof(v2_mem), "%s", mnt);
		}
	}
	if (f)
		fclose(f);

	if (mem_root) {
		snprintf(env->mem_root, sizeof(env->mem_root), "%s", mem_root);
		env->mem_is_v2 = file_exists(mem_root, "cgroup.controllers");
	} else if (v2_mem[0]) {
		snprintf(env->mem_root, sizeof(env->mem_root), "%s", v2_mem);
		env->mem_is_v2 = true;
	} else if (v1_mem[0]) {
		snprintf(env->mem_root, sizeof(env->mem_root), "%s", v1_mem);
	}
	if (psi_root)
		snprintf(env->psi_root, sizeof(env->psi_root), "%s", psi_root);
	else if (env->mem_is_v2)
		snprintf(env->psi_root, sizeof(env->psi_root), "%s", env->mem_root);
	else if (v2_any[0])
		snprintf(env->psi_root, sizeof(env->psi_root), "%s", v2_any);

	if (!env->mem_root[0]) {
		set_err(err, errlen, "no memory cgroup controller is mounted");
		return -ENOENT;
	}
	if (!file_exists(env->mem_root, "memory.stat")) {
		set_err(err, errlen, "%s is not a memory cgroup hierarchy", env->mem_root);
		return -ENOENT;
	}
	if (env->mem_is_v2)
		env->layout = CG_LAYOUT_V2;
	else
		env->layout = env->psi_root[0] ? CG_LAYOUT_HYBRID : CG_LAYOUT_V1;
	return 0;
}

/* ---- resolution ------------------------------------------------------ */

int cg_id_of(const char *path, uint64_t *id)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

int cg_ref_from_path(const struct cg_env *env, const char *path, struct cg_ref *ref)
{
	size_t rl = strlen(env->mem_root);

	if (snprintf(ref->path, sizeof(ref->path), "%s", path) >= (int)sizeof(ref->path))
		return -ENAMETOOLONG;
	/* strip trailing slashes but keep "/" */
	for (size_t l = strlen(ref->path); l > 1 && ref->path[l - 1] == '/'; l--)
		ref->path[l - 1] = '\0';
	if (strncmp(ref->path, env->mem_root, rl) ||
	    (ref->path[rl] && ref->path[rl] != '/'))
		return -EXDEV;
	snprintf(ref->rel, sizeof(ref->rel), "%s", ref->path[rl] ? ref->path + rl : "/");
	return cg_id_of(ref->path, &ref->id);
}

static bool is_memcg_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return false;
	return file_exists(path, "memory.stat");
}

static bool is_unit_name(const char *s)
{
	static const char *const sfx[] = { ".service", ".slice", ".scope",
					   ".socket", ".mount", ".swap" };
	size_t l = strlen(s);

	if (strchr(s, '/'))
		return false;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t sl = strlen(sfx[i]);

		if (l > sl && !strcmp(s + l - sl, sfx[i]))
			return true;
	}
	return false;
}

struct find_ctx {
	const char *name;	/* unit name to match, or NULL */
	uint64_t id;		/* id to match when name is NULL */
	struct cg_ref found;
	int nfound;
	char other[PATH_MAX];	/* a second match, for the ambiguity message */
};

static int find_cb(const struct cg_ref *ref, int depth, void *data)
{
	struct find_ctx *c = data;
	const char *base = strrchr(ref->path, '/');

	base = base ? base + 1 : ref->path;
	if (c->name ? strcmp(base, c->name) : ref->id != c->id)
		return 0;
	if (c->nfound++ == 0)
		c->found = *ref;
	else
		snprintf(c->other, sizeof(c->other), "%s", ref->rel);
	return c->name ? 0 : 1;	/* ids are unique: stop at the first */
}

/* Path components ".." or "." are refused: CGROUP never escapes the hierarchy. */
static bool has_dot_component(const char *p)
{
	for (const char *s = p; *s;) {
		const char *e = strchr(s, '/');
		size_t l = e ? (size_t)(e - s) : strlen(s);

		if ((l == 1 && s[0] == '.') || (l == 2 && s[0] == '.' && s[1] == '.'))
			return true;
		if (!e)
			break;
		s = e + 1;
	}
	return false;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int cg_resolve(const struct cg_env *env, const char *arg, struct cg_ref *ref,
	       char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t rl = strlen(env->mem_root), pl = strlen(env->psi_root);
	int ret;

	if (!arg || !*arg) {
		set_err(err, errlen, "empty cgroup name");
		return -EINVAL;
	}
	if (strlen(arg) >= PATH_MAX - rl - 1) {
		set_err(err, errlen, "cgroup name too long");
		return -EINVAL;
	}
	if (has_dot_component(arg)) {
		set_err(err, errlen, "'%s': '.' and '..' are not allowed in a cgroup path", arg);
		return -EINVAL;
	}

	if (all_digits(arg) || is_unit_name(arg)) {
		struct find_ctx c = { 0 };
		struct cg_ref root;

		if (all_digits(arg)) {
			char *end;

			errno = 0;
			c.id = strtoull(arg, &end, 10);
			if (errno || *end) {
				set_err(err, errlen, "'%s': cgroup id out of range", arg);
				return -EINVAL;
			}
		} else {
			c.name = arg;
		}
		ret = cg_ref_from_path(env, env->mem_root, &root);
		if (ret) {
			set_err(err, errlen, "%s: %s", env->mem_root, strerror(-ret));
			return ret;
		}
		if (!c.name && root.id == c.id) {
			*ref = root;
			return 0;
		}
		cg_walk(env, &root, 0, find_cb, &c);
		if (c.nfound == 0) {
			set_err(err, errlen, "%s '%s' not found in %s",
				c.name ? "unit" : "memory cgroup id", arg, env->mem_root);
			return -ENOENT;
		}
		if (c.nfound > 1) {
			/* a name the user must make precise: a usage error, as for commands */
			set_err(err, errlen, "unit '%s' is ambiguous: %s and %s (give a path)",
				arg, c.found.rel, c.other);
			return -EINVAL;
		}
		*ref = c.found;
		return 0;
	}

	if (arg[0] == '/' && !strncmp(arg, env->mem_root, rl) &&
	    (arg[rl] == '/' || arg[rl] == '\0'))
		snprintf(path, sizeof(path), "%s", arg);
	else if (arg[0] == '/' && pl && strcmp(env->psi_root, env->mem_root) &&
		 !strncmp(arg, env->psi_root, pl) && (arg[pl] == '/' || !arg[pl]))
		/* hybrid: a cgroup2 path names the same cgroup in the memory tree */
		snprintf(path, sizeof(path), "%s%s", env->mem_root, arg + pl);
	else
		snprintf(path, sizeof(path), "%s%s%s", env->mem_root,
			 arg[0] == '/' ? "" : "/", arg);

	if (!is_memcg_dir(path)) {
		struct stat st;

		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			set_err(err, errlen, "'%s' is not a memory cgroup (no memory.stat in %s)",
				arg, path);
		else
			set_err(err, errlen, "cgroup '%s' not found (looked for %s)", arg, path);
		return -ENOENT;
	}
	ret = cg_ref_from_path(env, path, ref);
	if (ret) {
		set_err(err, errlen, "'%s': %s", arg, strerror(-ret));
		return ret;
	}
	return 0;
}

bool cg_psi_dir(const struct cg_env *env, const struct cg_ref *ref, char *buf, size_t len)
{
	struct stat st;

	if (!env->psi_root[0])
		return false;
	if (snprintf(buf, len, "%s%s", env->psi_root,
		     strcmp(ref->rel, "/") ? ref->rel : "") >= (int)len)
		return false;
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- walking --------------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(const struct cg_env *env, const char *dir, int depth, int max_depth,
		    int (*fn)(const struct cg_ref *, int, void *), void *ctx)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;	/* vanished or unreadable: nothing below */
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!nn) {
				ret = -ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && !ret; i++) {
		char path[PATH_MAX];
		struct cg_ref ref;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
			continue;
		if (!is_memcg_dir(path) || cg_ref_from_path(env, path, &ref))
			continue;
		ret = fn(&ref, depth, ctx);
		if (!ret && (max_depth == 0 || depth < max_depth))
			ret = walk_dir(env, path, depth + 1, max_depth, fn, ctx);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

int cg_walk(const struct cg_env *env, const struct cg_ref *ref, int max_depth,
	    int (*fn)(const struct cg_ref *ref, int depth, void *ctx), void *ctx)
{
	return walk_dir(env, ref->path, 1, max_depth, fn, ctx);
}

/* ---- reading state --------------------------------------------------- */

/* "KEY=" then a number, by hand: top parses this for thousands of cgroups */
static const char *psi_field(const char *p, const char *key)
{
	size_t n = strlen(key);

	while (*p == ' ')
		p++;
	return strncmp(p, key, n) ? NULL : p + n;
}

int cg_parse_psi_line(const char *line, struct cg_psi_line *out)
{
	static const char *const keys[] = { "avg10=", "avg60=", "avg300=" };
	double avg[3];
	unsigned long long total;
	const char *p;
	char *end;

	if (strncmp(line, "some ", 5) && strncmp(line, "full ", 5))
		return -EINVAL;
	p = line + 4;
	for (int i = 0; i < 3; i++) {
		if (!(p = psi_field(p, keys[i])))
			return -EINVAL;
		avg[i] = strtod(p, &end);
		/* a share of time: strtod would also take "nan", "inf", "-1" */
		if (end == p || !(avg[i] >= 0 && avg[i] <= 100))
			return -EINVAL;
		p = end;
	}
	if (!(p = psi_field(p, "total=")) || *p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	total = strtoull(p, &end, 10);
	if (errno)
		return -EINVAL;
	out->avg10 = avg[0];
	out->avg60 = avg[1];
	out->avg300 = avg[2];
	out->total_us = total;
	return 0;
}

static void psi_unknown(struct cg_psi_line *p)
{
	p->avg10 = p->avg60 = p->avg300 = -1;
	p->total_us = CG_UNKNOWN;
}

/* Read a small file relative to a directory fd: no path walk from "/". */
static int read_at(int dfd, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return (int)n;
}

int cg_parse_psi(char *buf, struct cg_psi_line *some, struct cg_psi_line *full)
{
	char *save = NULL;
	int ret = -ENOENT;

	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct cg_psi_line p;

		if (cg_parse_psi_line(l, &p))
			continue;
		if (!strncmp(l, "some", 4)) {
			*some = p;
			ret = 0;
		} else {
			*full = p;
		}
	}
	return ret;
}

/* Fill some/full from memory.pressure in dfd; 0 when "some" was there. */
static int read_psi(int dfd, struct cg_psi_line *some, struct cg_psi_line *full)
{
	char buf[512];

	if (read_at(dfd, "memory.pressure", buf, sizeof(buf)) < 0)
		return -ENOENT;
	return cg_parse_psi(buf, some, full);
}

int cg_read_psi(const char *dir, struct cg_psi_line *some, struct cg_psi_line *full)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	psi_unknown(some);
	psi_unknown(full);
	if (dfd < 0)
		return -errno;
	ret = read_psi(dfd, some, full);
	close(dfd);
	return ret;
}

static uint64_t rd(int dfd, const char *name)
{
	char buf[64], *end;
	unsigned long long x;
	int n;

	n = read_at(dfd, name, buf, sizeof(buf));
	if (n < 0)
		return CG_UNKNOWN;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (!strcmp(buf, "max"))
		return CG_NOLIMIT;
	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return CG_UNKNOWN;
	return x;
}

struct stat_key {
	const char *name;
	int idx;
};

static int stat_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stat_key *)a)->name, ((const struct stat_key *)b)->name);
}

/*
 * memory.stat has ~40-80 lines and top parses it for thousands of
 * cgroups per refresh: look keys up by binary search, not a linear scan.
 */
static int stat_index(const char *key)
{
	static struct stat_key sorted[CG_STAT_NR];
	static bool ready;
	struct stat_key k = { key, 0 }, *hit;

	if (!ready) {
		for (int i = 0; i < CG_STAT_NR; i++)
			sorted[i] = (struct stat_key){ cg_stat_names[i], i };
		qsort(sorted, CG_STAT_NR, sizeof(sorted[0]), stat_key_cmp);
		ready = true;
	}
	hit = bsearch(&k, sorted, CG_STAT_NR, sizeof(sorted[0]), stat_key_cmp);
	return hit ? hit->idx : -1;
}

/* v1's hierarchical total_* names and old names, mapped to v2 names */
static int v1_stat_index(const char *key)
{
	static const struct { const char *v1, *v2; } map[] = {
		{ "rss", "anon" }, { "cache", "file" }, { "mapped_file", "file_mapped" },
		{ "dirty", "file_dirty" }, { "writeback", "file_writeback" },
	};

	if (strncmp(key, "total_", 6))
		return -1;	/* only the hierarchical values, like v2 */
	key += 6;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(key, map[i].v1))
			return stat_index(map[i].v2);
	return stat_index(key);
}

/*
 * Read "key value" lines; idx maps a key to a slot or -1.  One read()
 * into a buffer big enough for any memory.stat, parsed by hand: at
 * thousands of cgroups per refresh, stdio and sscanf are the cost.
 */
static void parse_kv(char *buf, uint64_t *out, int nout, int (*idx)(const char *),
		     uint64_t *v1_swap)
{
	char *p, *nl;

	for (p = buf; *p; p = nl + 1) {
		char *sp, *end;
		unsigned long long v;
		int i;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;	/* last line without a newline */
		else
			*nl = '\0';
		sp = strchr(p, ' ');
		if (!sp || sp == p)
			continue;
		*sp = '\0';
		errno = 0;
		v = strtoull(sp + 1, &end, 10);
		if (errno || end == sp + 1)
			continue;
		if (v1_swap && !strcmp(p, "total_swap"))
			*v1_swap = v;
		i = idx(p);
		if (i >= 0 && i < nout)
			out[i] = v;
		if (!nl[1])
			break;
	}
}

static void read_kv(int dfd, const char *name, uint64_t *out, int nout,
		    int (*idx)(const char *), uint64_t *v1_swap)
{
	char buf[16384];

	if (read_at(dfd, name, buf, sizeof(buf)) >= 0)
		parse_kv(buf, out, nout, idx, v1_swap);
}

void cg_parse_mem_stat(const struct cg_env *env, char *buf, struct cg_mem *m)
{
	parse_kv(buf, m->stat, CG_STAT_NR, env->mem_is_v2 ? stat_index : v1_stat_index, NULL);
}

static int event_index(const char *key)
{
	for (int i = 0; i < CG_EV_NR; i++)
		if (!strcmp(cg_event_names[i], key))
			return i;
	return -1;
}

static int v1_oom_index(const char *key)
{
	return strcmp(key, "oom_kill") ? -1 : CG_EV_oom_kill;
}

static uint64_t v1_limit(uint64_t v)
{
	return (cg_known(v) && v >= V1_UNLIMITED) ? CG_NOLIMIT : v;
}

/* Count lines without stdio; a pid list can be longer than any buffer. */
static void count_procs(int dfd, struct cg_mem *m)
{
	char buf[4096];
	uint64_t n = 0;
	ssize_t got;
	int fd;

	fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; (p = memchr(p, '\n', buf + got - p)); p++)
			n++;
	close(fd);
	if (got == 0)
		m->nr_procs = n;
}

static void read_v2(int d, unsigned what, struct cg_mem *m)
{
	if (what & CG_RD_USAGE) {
		m->current = rd(d, "memory.current");
		m->peak = rd(d, "memory.peak");
		m->min = rd(d, "memory.min");
		m->low = rd(d, "memory.low");
		m->high = rd(d, "memory.high");
		m->max = rd(d, "memory.max");
	}
	if (what & CG_RD_SWAP) {
		m->swap_current = rd(d, "memory.swap.current");
		m->swap_max = rd(d, "memory.swap.max");
	}
	if (what & CG_RD_STAT)
		read_kv(d, "memory.stat", m->stat, CG_STAT_NR, stat_index, NULL);
	if (what & CG_RD_EVENTS)
		read_kv(d, "memory.events", m->events, CG_EV_NR, event_index, NULL);
}

static void read_v1(int d, unsigned what, struct cg_mem *m)
{
	uint64_t memsw_lim, memsw_use, swap = CG_UNKNOWN;

	/* swap needs current and max to subtract from memsw */
	if (what & (CG_RD_USAGE | CG_RD_SWAP)) {
		m->current = rd(d, "memory.usage_in_bytes");
		m->max = v1_limit(rd(d, "memory.limit_in_bytes"));
	}
	if (what & CG_RD_USAGE)
		m->peak = rd(d, "memory.max_usage_in_bytes");
	/* v1 has no min/low/high: they stay unknown */
	if (what & CG_RD_STAT)
		read_kv(d, "memory.stat", m->stat, CG_STAT_NR, v1_stat_index, &swap);
	if (what & CG_RD_SWAP) {
		memsw_lim = v1_limit(rd(d, "memory.memsw.limit_in_bytes"));
		memsw_use = rd(d, "memory.memsw.usage_in_bytes");
		if (cg_known(memsw_use) && cg_known(m->current))
			m->swap_current = memsw_use > m->current ? memsw_use - m->current : 0;
		else
			m->swap_current = swap;
		if (memsw_lim == CG_NOLIMIT)
			m->swap_max = CG_NOLIMIT;
		else if (cg_known(memsw_lim) && cg_known(m->max) && m->max != CG_NOLIMIT)
			m->swap_max = memsw_lim > m->max ? memsw_lim - m->max : 0;
	}
	if (what & CG_RD_EVENTS) {
		/* memory.failcnt counts charges that hit the limit: v2's "max" event */
		m->events[CG_EV_max] = rd(d, "memory.failcnt");
		read_kv(d, "memory.oom_control", m->events, CG_EV_NR, v1_oom_index, NULL);
	}
}

static bool has_child_dirs(int dfd)
{
	struct dirent *de;
	bool any = false;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (!any && (de = readdir(d)))
		any = de->d_type == DT_DIR && de->d_name[0] != '.';
	closedir(d);
	return any;
}

void cg_mem_unknown(struct cg_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->current = m->peak = m->min = m->low = m->high = m->max = CG_UNKNOWN;
	m->swap_current = m->swap_max = m->nr_procs = CG_UNKNOWN;
	for (int i = 0; i < CG_STAT_NR; i++)
		m->stat[i] = CG_UNKNOWN;
	for (int i = 0; i < CG_EV_NR; i++)
		m->events[i] = CG_UNKNOWN;
	psi_unknown(&m->psi_some);
	psi_unknown(&m->psi_full);
}

void cg_read_mem_at(const struct cg_env *env, int dfd, int psi_dfd, unsigned what,
		    struct cg_mem *m)
{
	if (env->mem_is_v2)
		read_v2(dfd, what, m);
	else
		read_v1(dfd, what, m);
	if ((what & CG_RD_PSI) && psi_dfd >= 0)
		read_psi(psi_dfd, &m->psi_some, &m->psi_full);
	if (what & CG_RD_PROCS)
		count_procs(dfd, m);
	if (what & CG_RD_CHILDREN)
		m->populated_children = has_child_dirs(dfd);
}

int cg_read_mem(const struct cg_env *env, const struct cg_ref *ref, struct cg_mem *m)
{
	char psi[PATH_MAX];
	int dfd, pfd = -1;

	cg_mem_unknown(m);
	dfd = open(ref->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;	/* vanished */
	if (cg_psi_dir(env, ref, psi, sizeof(psi)))
		pfd = open(psi, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cg_read_mem_at(env, dfd, pfd, CG_RD_ALL, m);
	if (pfd >= 0)
		close(pfd);
	close(dfd);
	return 0;
}

uint64_t cg_binding_limit(const struct cg_mem *m, const char **which)
{
	uint64_t lim = CG_NOLIMIT;
	const char *w = NULL;

	if (cg_known(m->max) && m->max != CG_NOLIMIT) {
		lim = m->max;
		w = "max";
	}
	if (cg_known(m->high) && m->high != CG_NOLIMIT && m->high < lim) {
		lim = m->high;
		w = "high";
	}
	if (which)
		*which = w;
	return lim;
}
