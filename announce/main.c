/*
 * cdn-announce: the edge's BGP announcer (docs/announce.md).
 *
 * Threads: the main thread runs one poll() loop over every BGP session,
 * the control socket, the drain file's inotify watch, the health checker's
 * pipe and a signalfd, so every state change happens at one point and in
 * order. The health checker runs in a thread of its own (a slow check must
 * never delay a keepalive); libmicrohttpd serves /healthz and /metrics from
 * documents the loop renders under state_lock.
 *
 * Drain latency: inotify wakes the loop the moment the drain file appears
 * or goes, and control commands act at once; the changed routes are sent
 * in the same loop turn.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "clock.h"
#include "announce_conf.h"
#include "announcer.h"
#include "bgp_session.h"
#include "conf_cli.h"
#include "control.h"
#include "health.h"
#include "http_guard.h"
#include "json.h"
#include "log.h"
#include "net.h"
#include "xalloc.h"

#define MAX_PEERS 64

struct app {
	struct announce_cfg cfg;
	struct bgp_globals g;
	struct bgp_session *sessions;
	size_t n_sessions;
	struct announcer a;
	struct control *ctl;
	struct health *health;
	int ino_fd, ino_wd;
	char drain_dir[PATH_MAX], drain_base[NAME_MAX + 1];
	bool poll_drain;          /* no inotify: stat the file every loop turn */
	pthread_mutex_t state_lock;
	struct buf status_doc, metrics_doc;   /* rendered for the HTTP thread */
	struct MHD_Daemon *httpd;
	struct http_guard *guard;   /* HTTP connection limits and head deadlines */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cdn-announce [-c FILE] [-o KEY=VALUE]... [-t] [-v] [-V]\n"
	    "  -c FILE       read settings from FILE (\"key value\" lines; see docs/announce.md)\n"
	    "  -o KEY=VALUE  set one setting, after the file (repeatable)\n"
	    "  -t            check the settings, print the effective config and exit\n"
	    "  -v            log at debug level\n"
	    "  -V            print the version and exit\n"
	    "Required: router_id, at least one peer and one prefix, e.g.\n"
	    "  cdn-announce -o router_id=192.0.2.2 -o 'peer=192.0.2.1 as 65000' \\\n"
	    "      -o prefix=203.0.113.10/32\n");
}

static bool
drain_file_present(const struct app *app)
{
	struct stat st;

	return app->cfg.drain_file && app->cfg.drain_file[0] &&
	    stat(app->cfg.drain_file, &st) == 0;
}

/* Push the current route set to every session and refresh the documents. */
static void
publish(struct app *app, int64_t now)
{
	if (announcer_compute(&app->a, now))
		for (size_t i = 0; i < app->n_sessions; i++)
			bgp_session_sync(&app->sessions[i], app->a.routes, app->a.n_routes);
	pthread_mutex_lock(&app->state_lock);
	buf_reset(&app->status_doc);
	announcer_render_status(&app->a, app->sessions, app->n_sessions, now, &app->status_doc);
	buf_reset(&app->metrics_doc);
	announcer_render_metrics(&app->a, app->sessions, app->n_sessions, &app->metrics_doc);
	pthread_mutex_unlock(&app->state_lock);
}

/* ---- control commands ----------------------------------------------------------- */

static void
reply_err(struct buf *out, const char *msg)
{
	struct json j;

	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, "ok");
	json_bool(&j, false);
	json_key(&j, "error");
	json_str(&j, msg);
	json_obj_end(&j);
	buf_put_u8(out, '\n');
}

static void
reply_ok(struct buf *out, const char *what)
{
	struct json j;

	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, "ok");
	json_bool(&j, true);
	json_key(&j, "result");
	json_str(&j, what);
	json_obj_end(&j);
	buf_put_u8(out, '\n');
}

static void
on_command(void *ctx, const char *line, struct buf *out)
{
	struct app *app = ctx;
	char cmd[CONTROL_LINE_MAX + 1], *save = NULL, *w0, *w1, *w2, *w3;
	struct bgp_prefix p;
	int64_t now = clock_mono_ms();
	int rc;

	snprintf(cmd, sizeof(cmd), "%s", line);
	w0 = strtok_r(cmd, " \t", &save);
	w1 = w0 ? strtok_r(NULL, " \t", &save) : NULL;
	w2 = w1 ? strtok_r(NULL, " \t", &save) : NULL;
	w3 = w2 ? strtok_r(NULL, " \t", &save) : NULL;
	if (w0 == NULL) {
		reply_err(out, "empty command");
		return;
	}
	if (strcmp(w0, "drain") == 0 || strcmp(w0, "undrain") == 0) {
		bool drain = w0[0] == 'd';
		/* The drain file is the shared truth: the edge's /healthz shows it too. */
		if (app->cfg.drain_file && app->cfg.drain_file[0]) {
			if (drain) {
				FILE *f = fopen(app->cfg.drain_file, "we");
				if (f == NULL || fclose(f) != 0)
					log_warn("drain: cannot create %s (drained anyway)",
					    app->cfg.drain_file);
			} else if (unlink(app->cfg.drain_file) == -1 && errno != ENOENT) {
				log_warn("undrain: cannot remove %s", app->cfg.drain_file);
			}
		}
		log_info("control: %s", w0);
		announcer_set_drain(&app->a, drain_file_present(app), drain, now);
		publish(app, now);
		reply_ok(out, drain ? "draining" : "undrained");
		return;
	}
	if (strcmp(w0, "status") == 0) {
		announcer_render_status(&app->a, app->sessions, app->n_sessions, now, out);
		return;
	}
	if (strcmp(w0, "blackhole") == 0 && w1 && w2) {
		if (bgp_prefix_parse(w2, &p) != 0) {
			reply_err(out, "bad prefix (ADDR/LEN, no host bits)");
			return;
		}
		if (strcmp(w1, "add") == 0) {
			char *end;
			long long secs = w3 ? strtoll(w3, &end, 10) : -1;
			if (w3 == NULL || *end || secs <= 0 || secs > 86400 * 30) {
				reply_err(out, "blackhole add PREFIX SECONDS (1..2592000)");
				return;
			}
			rc = announcer_blackhole_add(&app->a, &p, secs * 1000, now);
			if (rc == -E2BIG) {
				reply_err(out, "blackhole_max reached");
				return;
			}
			publish(app, now);
			reply_ok(out, "blackholed");
			return;
		}
		if (strcmp(w1, "del") == 0) {
			if (announcer_blackhole_del(&app->a, &p) != 0) {
				reply_err(out, "no such blackhole");
				return;
			}
			publish(app, now);
			reply_ok(out, "withdrawn");
			return;
		}
	}
	reply_err(out, "unknown command (drain, undrain, status, blackhole add P SECS, "
	    "blackhole del P)");
}

/* ---- HTTP: /healthz and /metrics ----------------------------------------------------- */

static enum MHD_Result
http_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct app *app = cls;
	struct MHD_Response *r;
	const struct buf *doc;
	const char *ctype;
	enum MHD_Result ret;
	unsigned status = 200;

	(void)version;
	(void)upload;
	(void)con_cls;
	http_guard_head_in(conn);   /* answered on this first call */
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		static const char msg[] = "method not allowed\n";
		r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, "Allow", "GET, HEAD");
		ret = MHD_queue_response(conn, 405, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (strcmp(url, "/healthz") == 0) {
		doc = &app->status_doc;
		ctype = "application/json";
	} else if (strcmp(url, "/metrics") == 0) {
		doc = &app->metrics_doc;
		ctype = "text/plain; version=0.0.4; charset=utf-8";
	} else {
		static const char msg[] = "not found\n";
		r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		ret = MHD_queue_response(conn, 404, r);
		MHD_destroy_response(r);
		return ret;
	}
	pthread_mutex_lock(&app->state_lock);
	if (doc == &app->metrics_doc) {
		/* The HTTP limits' counters are live: append them to a copy. */
		struct buf m;
		buf_init(&m, 2 << 20);
		buf_append(&m, doc->data, doc->len);
		pthread_mutex_unlock(&app->state_lock);
		http_guard_render(app->guard, &m, "cdn_announce");
		r = m.err ? NULL : MHD_create_response_from_buffer(m.len, m.data,
		    MHD_RESPMEM_MUST_COPY);
		buf_fini(&m);
	} else {
		r = MHD_create_response_from_buffer(doc->len, doc->data, MHD_RESPMEM_MUST_COPY);
		pthread_mutex_unlock(&app->state_lock);
	}
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Keep-alive: the next request head gets a fresh deadline. */
static void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct app *app = cls;

	(void)con_cls;
	(void)toe;
	http_guard_request_done(app->guard, conn);
}

/* ---- drain file watch ------------------------------------------------------------------- */

static void
watch_drain_file(struct app *app)
{
	char tmp[PATH_MAX];

	app->ino_fd = app->ino_wd = -1;
	if (app->cfg.drain_file == NULL || app->cfg.drain_file[0] == '\0')
		return;
	snprintf(tmp, sizeof(tmp), "%s", app->cfg.drain_file);
	snprintf(app->drain_dir, sizeof(app->drain_dir), "%s", dirname(tmp));
	snprintf(tmp, sizeof(tmp), "%s", app->cfg.drain_file);
	snprintf(app->drain_base, sizeof(app->drain_base), "%s", basename(tmp));
	app->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (app->ino_fd != -1)
		app->ino_wd = inotify_add_watch(app->ino_fd, app->drain_dir,
		    IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ATTRIB |
		    IN_DELETE_SELF | IN_MOVE_SELF);
	if (app->ino_wd == -1) {
		log_warn("drain_file: cannot watch %s; checking it every second instead",
		    app->drain_dir);
		app->poll_drain = true;
	}
}

static void
drain_file_event(struct app *app, int64_t now)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(app->ino_fd, ev, sizeof(ev)) > 0)
		;  /* any change in the directory: look at the file itself */
	if (drain_file_present(app) != app->a.drain_file_present) {
		announcer_set_drain(&app->a, drain_file_present(app),
		    drain_file_present(app) ? app->a.drain_ctl : false, now);
		publish(app, now);
	}
}

static int
load_config(struct app *app, int argc, char **argv, bool *check_only, bool *verbose)
{
	struct conf_cli cli = { .prog = "cdn-announce", .version = PACKAGE_VERSION, .usage = usage };
	char err[CONF_ERRLEN] = "";
	int rc;

	if ((rc = conf_cli_load(announce_conf_desc, announce_conf_n, &app->cfg, argc, argv, &cli)) >= 0)
		return rc == 0 ? -1 : rc;   /* -V / -h: exit 0 at once (-1 here) */
	*check_only = cli.check_only;
	*verbose = cli.verbose;
	if (announce_cfg_validate(&app->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "cdn-announce: %s\n", err);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct app app;
	struct pollfd pfd[MAX_PEERS + CONTROL_CLIENTS_MAX + 8];
	struct in_addr rid;
	bool check_only = false, verbose = false, curl_ok = false, ran = false;
	int rc, sigfd = -1, http_fd = -1, port = 0;
	sigset_t mask;

	log_init("cdn-announce", LOG_LVL_INFO);
	app.ino_fd = app.ino_wd = -1;
	pthread_mutex_init(&app.state_lock, NULL);
	buf_init(&app.status_doc, 1 << 20);
	buf_init(&app.metrics_doc, 1 << 20);
	if ((rc = load_config(&app, argc, argv, &check_only, &verbose)) != 0) {
		if (rc == -1)
			rc = 0;   /* -V or -h */
		goto out;
	}
	if (check_only) {
		conf_dump(announce_conf_desc, announce_conf_n, &app.cfg, stdout, 1);
		fprintf(stderr, "cdn-announce: configuration ok\n");
		goto out;
	}
	rc = 1;
	log_level_current = verbose ? LOG_LVL_DEBUG : app.cfg.log_level;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto out;
	curl_ok = true;

	/* Globals every session shares. */
	inet_pton(AF_INET, app.cfg.router_id, &rid);
	app.g.local_as = (uint32_t)app.cfg.local_as;
	app.g.router_id = ntohl(rid.s_addr);
	app.g.hold_s = (uint16_t)(app.cfg.hold_time_ms / 1000);
	app.g.connect_retry_ms = app.cfg.connect_retry_ms;
	app.g.graceful_restart = app.cfg.graceful_restart;
	app.g.prepend = (unsigned)app.cfg.prepend;
	if (app.cfg.next_hop_v4 && app.cfg.next_hop_v4[0])
		app.g.has_nh4 = inet_pton(AF_INET, app.cfg.next_hop_v4, &app.g.nh4) == 1;
	if (app.cfg.next_hop_v6 && app.cfg.next_hop_v6[0])
		app.g.has_nh6 = inet_pton(AF_INET6, app.cfg.next_hop_v6, &app.g.nh6) == 1;
	if (announcer_init(&app.a, &app.cfg) != 0)
		goto out;
	app.sessions = xcalloc(app.cfg.peer.n, sizeof(*app.sessions));
	if (app.sessions == NULL)
		goto out;
	for (size_t i = 0; i < app.cfg.peer.n; i++) {
		struct peer_cfg pc;
		char err[256];
		peer_cfg_parse(app.cfg.peer.v[i], &pc, err, sizeof(err));
		bgp_session_init(&app.sessions[i], &pc, &app.g);
		app.n_sessions++;
	}

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	if ((sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1) {
		log_err("signalfd");
		goto out;
	}
	if ((app.ctl = control_open(app.cfg.control_socket, on_command, &app)) == NULL)
		goto out;
	watch_drain_file(&app);
	announcer_set_drain(&app.a, drain_file_present(&app), false, clock_mono_ms());
	if ((app.health = health_start(app.cfg.health_url, app.cfg.health_interval_ms,
	    app.cfg.health_timeout_ms)) == NULL)
		goto out;
	publish(&app, clock_mono_ms());
	app.guard = http_guard_new(&(struct http_guard_cfg){ .name = "http",
	    .max_connections = app.cfg.http_max_connections,
	    .max_per_ip = app.cfg.http_max_per_ip, .head_timeout_ms = app.cfg.http_timeout_ms });
	if (app.guard == NULL || (http_fd = net_listen_tcp(app.cfg.http_listen, 64, &port)) == -1)
		goto out;
	app.httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG, 0, http_guard_accept, app.guard, http_handler, &app,
	    MHD_OPTION_LISTEN_SOCKET, http_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)app.cfg.http_max_connections + 4,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)((app.cfg.http_timeout_ms + 999) / 1000),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)app.cfg.http_max_header_bytes,
	    MHD_OPTION_NOTIFY_CONNECTION, http_guard_notify, app.guard,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, &app,
	    MHD_OPTION_END);
	if (app.httpd == NULL) {
		log_errx("cannot start the HTTP server on %s", app.cfg.http_listen);
		close(http_fd);
		goto out;
	}
	http_guard_start(app.guard);
	ran = true;
	log_info("cdn-announce %s: AS%u, router id %s, %zu peer(s), %zu prefix(es), HTTP on port %d, "
	    "control %s", PACKAGE_VERSION, (unsigned)app.g.local_as, app.cfg.router_id,
	    app.n_sessions, app.a.n_prefixes, port, app.cfg.control_socket);

	for (;;) {
		int64_t now = clock_mono_ms(), next = now + 1000, t;
		size_t n = 0, base_ctl, n_ctl, base_ses;
		size_t ses_idx[MAX_PEERS];
		int timeout;

		/* Timers first: they may change what is announced. */
		for (size_t i = 0; i < app.n_sessions; i++) {
			enum bgp_state before = app.sessions[i].state;
			t = bgp_session_tick(&app.sessions[i], now);
			if (t < next)
				next = t;
			if (before != app.sessions[i].state)
				publish(&app, now);
		}
		{
			size_t nb = app.a.n_blackholes;
			enum drain_phase ph = app.a.phase;
			t = announcer_tick(&app.a, now);
			if (t < next)
				next = t;
			if (nb != app.a.n_blackholes || ph != app.a.phase)
				publish(&app, now);
		}
		t = control_tick(app.ctl, now);
		if (t < next)
			next = t;
		if (app.poll_drain && drain_file_present(&app) != app.a.drain_file_present) {
			announcer_set_drain(&app.a, drain_file_present(&app), app.a.drain_ctl, now);
			publish(&app, now);
		}

		pfd[n].fd = sigfd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = health_fd(app.health);
		pfd[n++].events = POLLIN;
		pfd[n].fd = app.ino_fd;
		pfd[n++].events = POLLIN;
		base_ctl = n;
		n_ctl = control_pollfds(app.ctl, &pfd[n]);
		n += n_ctl;
		base_ses = n;
		for (size_t i = 0; i < app.n_sessions; i++) {
			short ev = 0;
			int fd = bgp_session_fd(&app.sessions[i], &ev);
			if (fd == -1)
				continue;
			ses_idx[n - base_ses] = i;
			pfd[n].fd = fd;
			pfd[n++].events = ev;
		}
		for (size_t i = 0; i < n; i++)
			pfd[i].revents = 0;
		timeout = next <= now ? 0 : next - now > 1000 ? 1000 : (int)(next - now);
		if (poll(pfd, n, timeout) == -1 && errno != EINTR) {
			log_err("poll");
			break;
		}
		now = clock_mono_ms();
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					log_info("SIGHUP: nothing to reload; the config is read at start");
				} else {
					log_info("%s: withdrawing and closing every session",
					    strsignal((int)si.ssi_signo));
					rc = 0;
					break;
				}
			}
		}
		if (pfd[1].revents & POLLIN) {
			struct health_result r;
			bool changed = false;
			while (health_read(app.health, &r) == 0)
				changed |= announcer_health(&app.a, &r);
			(void)changed;
			publish(&app, now);
		}
		if (app.ino_fd != -1 && (pfd[2].revents & POLLIN))
			drain_file_event(&app, now);
		control_on_io(app.ctl, &pfd[base_ctl], n_ctl, now);
		for (size_t k = base_ses; k < n; k++) {
			struct bgp_session *s = &app.sessions[ses_idx[k - base_ses]];
			enum bgp_state before = s->state;
			if (pfd[k].revents == 0)
				continue;
			bgp_session_on_io(s, pfd[k].revents, now, app.a.routes, app.a.n_routes);
			if (before != s->state)
				publish(&app, now);
		}
	}
out:
	/* Cease (administrative shutdown) on every session: routers withdraw at once. */
	for (size_t i = 0; i < app.n_sessions; i++) {
		bgp_session_shutdown(&app.sessions[i], 2);
		bgp_session_fini(&app.sessions[i]);
	}
	if (app.httpd)
		MHD_stop_daemon(app.httpd);
	http_guard_free(app.guard);
	health_stop(app.health);
	control_close(app.ctl);
	if (app.ino_fd != -1)
		close(app.ino_fd);
	if (sigfd != -1)
		close(sigfd);
	announcer_fini(&app.a);
	free(app.sessions);
	buf_fini(&app.status_doc);
	buf_fini(&app.metrics_doc);
	if (curl_ok)
		curl_global_cleanup();
	conf_free(announce_conf_desc, announce_conf_n, &app.cfg);
	if (rc == 0 && ran)
		log_info("stopped");
	return rc;
}
