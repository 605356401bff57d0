/*
 * test_www_static: which files of www/ the origin will open
 * (origin/www_static.c).
 *
 * main() builds a throwaway www/ under mkdtemp before the cases run and
 * removes it after (the cases run in forked children, so one that crashes
 * still leaves the parent to clean up):
 *
 *   package.json            outside every area
 *   player/watch.html       served, text/html
 *   player/js/app.js        served, two components deep
 *   player/link.js          symlink -> ../package.json: refused
 *   player/big.js           WWW_FILE_MAX + 1 bytes (sparse): -EFBIG
 *   player/max.js           WWW_FILE_MAX bytes (sparse): served
 *   player/sub.js/          a directory with a served extension: refused
 *   player/data.json        a regular file, extension not served
 *   player/.hidden.js       a regular file, leading dot
 *   player/noext            a regular file, no extension
 *   vendor/hls.min.js       served, text/javascript
 *   node_modules/x.js       not an area
 *
 * Every refused case names a file that exists, so the refusal is the rule
 * at work, not a missing file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "www_static.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static char root[256];   /* short, so every path below fits PATH_MAX */

static const char watch_html[] =
	"<!doctype html>\n<html><head><title>watch</title></head>\n"
	"<body><video id=\"v\"></video><script src=\"/www/vendor/hls.min.js\"></script></body>\n"
	"</html>\n";
static const char hls_js[] = "/*! hls.js */ var Hls = function () {};\n";

/* --- the tree --------------------------------------------------------------- */

static void
die(const char *what, const char *path)
{
	fprintf(stderr, "test_www_static: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void
mk_dir(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, 0755) == -1)
		die("mkdir", p);
}

/* A file of body, then (if size is larger) sparse up to size bytes. */
static void
mk_file(const char *rel, const char *body, off_t size)
{
	char p[PATH_MAX];
	size_t n = strlen(body);
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1)
		die("create", p);
	if (write(fd, body, n) != (ssize_t)n)
		die("write", p);
	if (size > (off_t)n && ftruncate(fd, size) == -1)
		die("ftruncate", p);
	close(fd);
}

static void
make_tree(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[PATH_MAX];

	if ((size_t)snprintf(root, sizeof(root), "%s/test_www_static.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp") >= sizeof(root)) {
		fprintf(stderr, "test_www_static: TMPDIR is too long\n");
		exit(1);
	}
	if (mkdtemp(root) == NULL)
		die("mkdtemp", root);
	mk_dir("player");
	mk_dir("player/js");
	mk_dir("player/sub.js");
	mk_dir("vendor");
	mk_dir("node_modules");
	mk_file("package.json", "{\"name\":\"cdn-www\"}\n", 0);
	mk_file("player/watch.html", watch_html, 0);
	mk_file("player/js/app.js", "app();\n", 0);
	mk_file("player/big.js", "//", (off_t)WWW_FILE_MAX + 1);
	mk_file("player/max.js", "//", (off_t)WWW_FILE_MAX);
	mk_file("player/data.json", "{}\n", 0);
	mk_file("player/.hidden.js", "hidden();\n", 0);
	mk_file("player/noext", "x\n", 0);
	mk_file("vendor/hls.min.js", hls_js, 0);
	mk_file("node_modules/x.js", "x();\n", 0);
	snprintf(p, sizeof(p), "%s/player/link.js", root);
	if (symlink("../package.json", p) == -1)
		die("symlink", p);
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) == -1)
		fprintf(stderr, "test_www_static: remove %s: %s\n", path, strerror(errno));
	return 0;
}

static void
remove_tree(void)
{
	if (root[0] != '\0')
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- www_content_type ------------------------------------------------------ */

static int
t_content_type(void)
{
	static const struct {
		const char *name, *want;
	} c[] = {
		{ "watch.html", "text/html; charset=utf-8" },
		{ "hls.min.js", "text/javascript; charset=utf-8" },
		{ "app.mjs", "text/javascript; charset=utf-8" },
		{ "style.css", "text/css; charset=utf-8" },
		{ "logo.svg", "image/svg+xml" },
		{ "logo.png", "image/png" },
		{ "favicon.ico", "image/x-icon" },
		{ "site.webmanifest", "application/manifest+json" },
		{ "hls.min.js.LICENSE", "text/plain; charset=utf-8" },
		{ "package.json", NULL },
		{ "app.js.map", NULL },
		{ "APP.JS", NULL },
		{ "index.htm", NULL },
		{ "noext", NULL },
		{ ".js", NULL },
		{ "js", NULL },
		{ "", NULL },
	};
	int bad = 0;

	for (size_t i = 0; i < N_ELEMS(c); i++) {
		const char *got = www_content_type(c[i].name);
		if (got == c[i].want || (got && c[i].want && strcmp(got, c[i].want) == 0))
			continue;
		fprintf(stderr, "  www_content_type(\"%s\"): got %s, want %s\n", c[i].name,
		    got ? got : "NULL", c[i].want ? c[i].want : "NULL");
		bad = 1;
	}
	return bad;
}

/* --- www_open: served ------------------------------------------------------- */

static int
read_all(int fd, char *buf, size_t cap, size_t *n)
{
	ssize_t r;

	*n = 0;
	while ((r = read(fd, buf + *n, cap - *n)) > 0)
		*n += (size_t)r;
	return r < 0 ? -1 : 0;
}

static int
t_open_watch_html(void)
{
	const char *parts[] = { "watch.html" };
	struct www_file f;
	struct stat st;
	char buf[1024], p[PATH_MAX], want_etag[48];
	size_t n;

	memset(&f, 0x55, sizeof(f));
	CHECK_INT(www_open(root, "player", parts, 1, &f), 0);
	CHECK(f.fd >= 0);
	CHECK_STR(f.content_type, "text/html; charset=utf-8");
	CHECK_INT(f.size, sizeof(watch_html) - 1);
	CHECK(read_all(f.fd, buf, sizeof(buf), &n) == 0);
	CHECK_INT(n, sizeof(watch_html) - 1);
	CHECK_MEM(buf, watch_html, n);

	/* a quoted strong tag: "<size hex>-<mtime ms hex>" */
	n = strlen(f.etag);
	CHECK(n >= 5 && n < sizeof(f.etag));
	CHECK(f.etag[0] == '"' && f.etag[n - 1] == '"');
	CHECK(strspn(f.etag + 1, "0123456789abcdef-") == n - 2);
	snprintf(p, sizeof(p), "%s/player/watch.html", root);
	CHECK(stat(p, &st) == 0);
	snprintf(want_etag, sizeof(want_etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec * 1000ull +
	    (unsigned long long)st.st_mtim.tv_nsec / 1000000ull);
	CHECK_STR(f.etag, want_etag);

	/* the fd is ours: close-on-exec, read-only */
	CHECK((fcntl(f.fd, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK((fcntl(f.fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
	CHECK(close(f.fd) == 0);
	return 0;
}

static int
t_open_served(void)
{
	const char *hls[] = { "hls.min.js" };
	const char *app[] = { "js", "app.js" };
	const char *max[] = { "max.js" };
	struct www_file f;

	CHECK_INT(www_open(root, "vendor", hls, 1, &f), 0);
	CHECK_STR(f.content_type, "text/javascript; charset=utf-8");
	CHECK_INT(f.size, sizeof(hls_js) - 1);
	CHECK(close(f.fd) == 0);

	CHECK_INT(www_open(root, "player", app, 2, &f), 0);
	CHECK_INT(f.size, 7);
	CHECK(close(f.fd) == 0);

	/* exactly WWW_FILE_MAX is still served */
	CHECK_INT(www_open(root, "player", max, 1, &f), 0);
	CHECK_INT(f.size, WWW_FILE_MAX);
	CHECK(close(f.fd) == 0);
	return 0;
}

/* A tag changes with the size, so a redeploy is seen. */
static int
t_etag_changes(void)
{
	const char *parts[] = { "js", "app.js" };
	struct www_file f;
	char before[48], p[PATH_MAX];
	int fd;

	CHECK_INT(www_open(root, "player", parts, 2, &f), 0);
	memcpy(before, f.etag, sizeof(before));
	close(f.fd);
	/* the child's change is undone below: other cases do not look at app.js's size */
	snprintf(p, sizeof(p), "%s/player/js/app.js", root);
	CHECK((fd = open(p, O_WRONLY | O_APPEND)) >= 0);
	CHECK(write(fd, "x", 1) == 1);
	CHECK_INT(www_open(root, "player", parts, 2, &f), 0);
	CHECK_INT(f.size, 8);
	CHECK(strcmp(before, f.etag) != 0);
	close(f.fd);
	CHECK(ftruncate(fd, 7) == 0);
	close(fd);
	return 0;
}

/* --- www_open: refused ------------------------------------------------------ */

#define ANY_ERROR INT_MIN

struct refuse_case {
	const char *area;
	const char *parts[3];
	size_t n;
	int want;
};

static const struct refuse_case refuse[] = {
	/* areas */
	{ "node_modules", { "x.js" }, 1, -ENOENT },
	{ "..", { "package.json" }, 1, -ENOENT },
	{ ".", { "player", "watch.html" }, 2, -ENOENT },
	{ "", { "player", "watch.html" }, 2, -ENOENT },
	{ "player/..", { "vendor", "hls.min.js" }, 2, -ENOENT },
	{ "Player", { "watch.html" }, 1, -ENOENT },
	{ "vendor/", { "hls.min.js" }, 1, -ENOENT },
	/* a symlink at the last component, even to a file that exists */
	{ "player", { "link.js" }, 1, -ENOENT },
	/* too large */
	{ "player", { "big.js" }, 1, -EFBIG },
	/* a directory named like a served file */
	{ "player", { "sub.js" }, 1, -ENOENT },
	/* extensions not in the table */
	{ "player", { "data.json" }, 1, -ENOENT },
	{ "player", { "noext" }, 1, -ENOENT },
	/* components: "..", leading dot, '/', empty, other bytes */
	{ "player", { "..", "package.json" }, 2, -ENOENT },
	{ "player", { "..", "vendor", "hls.min.js" }, 3, -ENOENT },
	{ "player", { "js", "..", "watch.html" }, 3, -ENOENT },
	{ "player", { ".", "watch.html" }, 2, -ENOENT },
	{ "player", { ".hidden.js" }, 1, -ENOENT },
	{ "player", { "js/app.js" }, 1, -ENOENT },
	{ "player", { "../vendor/hls.min.js" }, 1, -ENOENT },
	{ "player", { "/watch.html" }, 1, -ENOENT },
	{ "player", { "", "watch.html" }, 2, -ENOENT },
	{ "player", { "watch.html\\" }, 1, -ENOENT },
	{ "player", { "watch%2ehtml" }, 1, -ENOENT },
	{ "player", { "watch html" }, 1, -ENOENT },
	/* nothing named, or nothing there */
	{ "player", { "watch.html" }, 0, -ENOENT },
	{ "player", { "missing.js" }, 1, -ENOENT },
	{ "dashboard", { "index.html" }, 1, -ENOENT },
	/* a file as a directory: some error (today -ENOTDIR, logged by the caller) */
	{ "player", { "watch.html", "x.js" }, 2, ANY_ERROR },
};

static int
t_open_refused(void)
{
	int bad = 0;

	for (size_t i = 0; i < N_ELEMS(refuse); i++) {
		const struct refuse_case *c = &refuse[i];
		struct www_file f;
		int rc;

		memset(&f, 0x55, sizeof(f));
		rc = www_open(root, c->area, c->parts, c->n, &f);
		if (c->want == ANY_ERROR ? rc >= 0 : rc != c->want) {
			fprintf(stderr, "  case %zu %s/%s%s%s: got %d, want %d\n", i, c->area,
			    c->parts[0] ? c->parts[0] : "",
			    c->n > 1 ? "/" : "", c->n > 1 ? c->parts[1] : "", rc, c->want);
			bad = 1;
		}
		if (rc == 0)
			close(f.fd);
		else if (f.fd != -1) {
			fprintf(stderr, "  case %zu: fd %d after an error, want -1\n", i, f.fd);
			bad = 1;
		}
	}
	return bad;
}

static int
t_open_bad_root(void)
{
	const char *parts[] = { "watch.html" };
	struct www_file f;
	char longroot[PATH_MAX + 16];

	CHECK_INT(www_open(NULL, "player", parts, 1, &f), -ENOENT);
	CHECK_INT(f.fd, -1);
	CHECK_INT(www_open("/nonexistent/www", "player", parts, 1, &f), -ENOENT);
	/* a root that fills the path buffer by itself */
	memset(longroot, 'r', sizeof(longroot) - 1);
	longroot[0] = '/';
	longroot[sizeof(longroot) - 1] = '\0';
	CHECK_INT(www_open(longroot, "player", parts, 1, &f), -ENAMETOOLONG);
	CHECK_INT(f.fd, -1);
	return 0;
}

/* No descriptor leaks: many refusals and opens, then the lowest free fd is unchanged. */
static int
t_no_fd_leak(void)
{
	struct www_file f;
	int before, after;

	CHECK((before = dup(0)) >= 0);
	close(before);
	for (int k = 0; k < 50; k++) {
		for (size_t i = 0; i < N_ELEMS(refuse); i++)
			if (www_open(root, refuse[i].area, refuse[i].parts, refuse[i].n, &f) == 0)
				close(f.fd);
	}
	CHECK((after = dup(0)) >= 0);
	close(after);
	CHECK_INT(after, before);
	return 0;
}

int
main(void)
{
	int rc;

	make_tree();
	RUN(t_content_type);
	RUN(t_open_watch_html);
	RUN(t_open_served);
	RUN(t_etag_changes);
	RUN(t_open_refused);
	RUN(t_open_bad_root);
	RUN(t_no_fd_leak);
	rc = check_done();
	remove_tree();
	return rc;
}
