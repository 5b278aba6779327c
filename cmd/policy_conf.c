// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy file of `memcgctl policy apply` (policy_conf.h): reading the
 * files and splitting their lines.  Nothing here touches BPF: every line
 * is checked before apply changes anything.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "main.h"
#include "policy.h"
#include "policy_conf.h"

/* The words of one line, each malloc'd. */
struct words {
	char *w[3 + POLICY_CONF_MAX_KV];
	int n;
};

static void words_free(struct words *ws)
{
	for (int i = 0; i < ws->n; i++)
		free(ws->w[i]);
	ws->n = 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Split [p, end) (one line, no newline) into words.  0, or -EINVAL /
 * -ENOMEM with err set (without the FILE:LINE prefix).
 */
static int split(const char *p, const char *end, struct words *ws, char *err, size_t errlen)
{
	ws->n = 0;
	while (p < end) {
		char *w;
		size_t n = 0;

		while (p < end && blank(*p))
			p++;
		if (p == end || *p == '#')
			break;
		if (ws->n == (int)ARRAY_SIZE(ws->w)) {
			snprintf(err, errlen, "more than %d parameters", POLICY_CONF_MAX_KV);
			return -EINVAL;
		}
		/* a word is never longer than the line it is in */
		w = malloc(end - p + 1);
		if (!w) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		ws->w[ws->n++] = w;
		while (p < end && !blank(*p)) {
			if (*p != '"') {
				w[n++] = *p++;
				continue;
			}
			/* "..." quotes blanks and '#'; \" and \\ inside it */
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
					p++;
				w[n++] = *p;
			}
			if (p == end) {
				snprintf(err, errlen, "unterminated quote");
				return -EINVAL;
			}
			p++;
		}
		w[n] = '\0';
	}
	return 0;
}

static int add_entry(struct policy_conf *c, const char *file, int line, struct words *ws,
		     char *err, size_t errlen)
{
	struct policy_conf_entry *e, *ne;

	if (ws->n < 3) {
		snprintf(err, errlen, "expected NAME POLICY CGROUP [KEY=VALUE...]");
		return -EINVAL;
	}
	if (!policy_name_valid(ws->w[0])) {
		snprintf(err, errlen, "'%s' is not a valid policy name (1-31 letters, digits, "
			 "'_' or '-')", esc(ws->w[0]));
		return -EINVAL;
	}
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->e[i].name, ws->w[0])) {
			snprintf(err, errlen, "policy '%s' is already defined at %s:%d", ws->w[0],
				 esc(c->e[i].file), c->e[i].line);
			return -EINVAL;
		}
	if (!ws->w[1][0] || !ws->w[2][0]) {
		snprintf(err, errlen, "empty %s", ws->w[1][0] ? "CGROUP" : "POLICY");
		return -EINVAL;
	}
	if (strchr(ws->w[2], '=')) {
		snprintf(err, errlen, "'%s': expected CGROUP (\"-\" for every cgroup) before "
			 "the parameters", esc(ws->w[2]));
		return -EINVAL;
	}
	for (int i = 3; i < ws->n; i++) {
		const char *eq = strchr(ws->w[i], '=');

		if (!eq || eq == ws->w[i]) {
			snprintf(err, errlen, "'%s': expected KEY=VALUE", esc(ws->w[i]));
			return -EINVAL;
		}
		for (int j = 3; j < i; j++)
			if (!strncmp(ws->w[j], ws->w[i], eq - ws->w[i] + 1)) {
				snprintf(err, errlen, "parameter '%.*s' is given twice",
					 (int)(eq - ws->w[i]), esc(ws->w[i]));
				return -EINVAL;
			}
	}
	if (c->n == POLICY_CONF_MAX_ENTRIES) {
		snprintf(err, errlen, "more than %d policies", POLICY_CONF_MAX_ENTRIES);
		return -EINVAL;
	}
	ne = realloc(c->e, (c->n + 1) * sizeof(*c->e));
	if (!ne) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->e = ne;
	e = &c->e[c->n];
	memset(e, 0, sizeof(*e));
	e->kv = calloc(ws->n - 3 + 1, sizeof(*e->kv));
	if (!e->kv) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->file = file;
	e->line = line;
	e->name = ws->w[0];
	e->policy = ws->w[1];
	if (strcmp(ws->w[2], "-"))
		e->cgroup = ws->w[2];
	else
		free(ws->w[2]);
	for (int i = 3; i < ws->n; i++)
		e->kv[e->nkv++] = ws->w[i];
	ws->n = 0;	/* the entry owns the words now */
	c->n++;
	return 0;
}

int policy_conf_parse(struct policy_conf *c, const char *file, const char *text, size_t len,
		      char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	char why[512];
	char **nf, *fcopy;
	int line = 0, ret = 0;

	nf = realloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
	fcopy = strdup(file);
	if (nf)
		c->files = nf;
	if (!nf || !fcopy) {
		free(fcopy);
		snprintf(err, errlen, "%s: out of memory", esc(file));
		return -ENOMEM;
	}
	c->files[c->nfiles++] = fcopy;
	while (p < end && !ret) {
		const char *eol = memchr(p, '\n', end - p);
		struct words ws = { .n = 0 };

		if (!eol)
			eol = end;
		line++;
		if (memchr(p, '\0', eol - p)) {
			snprintf(why, sizeof(why), "a NUL byte: not a text file");
			ret = -EINVAL;
		} else {
			ret = split(p, eol, &ws, why, sizeof(why));
		}
		if (!ret && ws.n)
			ret = add_entry(c, fcopy, line, &ws, why, sizeof(why));
		words_free(&ws);
		if (ret)
			snprintf(err, errlen, "%s:%d: %s", esc(fcopy), line, why);
		p = eol + 1;
	}
	return ret;
}

/* Read one file whole: 0, or -errno with err set. */
static int read_one(struct policy_conf *c, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t off = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", esc(path), strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", esc(path));
		close(fd);
		return -EINVAL;
	}
	/* the file chooses what runs in the kernel: only root (or its caller) may write it */
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & S_IWOTH) ||
	    ((st.st_mode & S_IWGRP) && st.st_gid != 0)) {
		snprintf(err, errlen, "%s: refusing a policy file writable by other users",
			 esc(path));
		close(fd);
		return -EPERM;
	}
	if (st.st_size > POLICY_CONF_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %d bytes", esc(path), POLICY_CONF_MAX_BYTES);
		close(fd);
		return -EFBIG;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size && (n = read(fd, buf + off, st.st_size - off)) > 0)
		off += n;
	close(fd);
	ret = policy_conf_parse(c, path, buf, off, err, errlen);
	free(buf);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR's *.conf files, sorted; a missing DIR is none. */
static int read_dir(struct policy_conf *c, const char *dir, char *err, size_t errlen)
{
	char **names = NULL, path[PATH_MAX];
	struct dirent *de;
	int n = 0, ret = 0;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "%s: %s", esc(dir), strerror(errno));
		return ret;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **nn;

		if (de->d_name[0] == '.' || l <= 5 || strcmp(de->d_name + l - 5, ".conf"))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			names = nn ? nn : names;
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (int i = 0; i < n && !ret; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ret = read_one(c, path, err, errlen);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

int policy_conf_read(struct policy_conf *c, const char *path, char *err, size_t errlen)
{
	const char *p = path ? path : POLICY_CONF_DEFAULT;
	char dir[PATH_MAX];
	size_t l = strlen(p);
	int ret;

	memset(c, 0, sizeof(*c));
	ret = read_one(c, p, err, errlen);
	if (ret == -ENOENT && !path)
		ret = 0;
	if (ret)
		return ret;
	if (l > 5 && !strcmp(p + l - 5, ".conf") && l - 5 + 3 <= sizeof(dir)) {
		snprintf(dir, sizeof(dir), "%.*s.d", (int)(l - 5), p);
		ret = read_dir(c, dir, err, errlen);
	}
	return ret;
}

void policy_conf_free(struct policy_conf *c)
{
	for (int i = 0; i < c->n; i++) {
		struct policy_conf_entry *e = &c->e[i];

		free(e->name);
		free(e->policy);
		free(e->cgroup);
		for (int j = 0; j < e->nkv; j++)
			free(e->kv[j]);
		free(e->kv);
	}
	free(c->e);
	for (int i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	memset(c, 0, sizeof(*c));
}
