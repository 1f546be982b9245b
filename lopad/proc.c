/*
 * lopad: the process table and the run time shared by every child.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "imsg.h"
#include "imsgev.h"
#include "log.h"
#include "lopad.h"
#include "proc.h"

struct event_base	*proc_base;
struct lopad_conf	*proc_conf;
enum lopa_proc		 proc_self;
struct proc_init	 proc_init_info;

static const struct proc_role	*proc_role_self;
static struct imsgev		*proc_iev[PROC_MAX];
static struct lopad_conf	*proc_pending;
static int			 proc_have_init;
static int			 proc_running;

static const char *const proc_names[PROC_MAX] = {
	"parent", "engine", "sender", "reflector", "netlink", "control"
};
static const char *const proc_titles[PROC_MAX] = {
	"lopad", "lopad: engine", "lopad: sender", "lopad: reflector",
	"lopad: netlink", "lopad: control"
};
static const char *const proc_states[] = {
	"starting", "running", "reloading", "dead"
};

static void	 proc_dispatch_parent(int, short, void *);
static void	 proc_dispatch_peer(int, short, void *);

const char *
proc_name(enum lopa_proc p)
{
	if ((unsigned)p >= PROC_MAX)
		return "unknown";
	return proc_names[p];
}

const char *
proc_title(enum lopa_proc p)
{
	if ((unsigned)p >= PROC_MAX)
		return "unknown";
	return proc_titles[p];
}

int
proc_from_name(const char *name)
{
	int	 i;

	for (i = PROC_ENGINE; i < PROC_MAX; i++)
		if (strcmp(name, proc_names[i]) == 0)
			return i;
	return -1;
}

const char *
proc_state_name(enum proc_state s)
{
	if ((unsigned)s >= sizeof(proc_states) / sizeof(proc_states[0]))
		return "unknown";
	return proc_states[s];
}

static const struct proc_role *
proc_role_of(enum lopa_proc p)
{
	switch (p) {
	case PROC_ENGINE:
		return &engine_role;
	case PROC_SENDER:
		return &sender_role;
	case PROC_REFLECTOR:
		return &reflector_role;
	case PROC_NETLINK:
		return &netlink_role;
	case PROC_CONTROL:
		return &control_role;
	default:
		return NULL;
	}
}

/* Children: every log line goes to the parent. */
static void
proc_log_sink(int pri, const char *line)
{
	struct imsg_log	 l;
	size_t		 len = strlen(line);

	if (proc_iev[PROC_PARENT] == NULL) {
		log_line(proc_name(proc_self), pri, line);
		return;
	}
	l.level = pri;
	if (len > 1000)
		len = 1000;
	if (imsg_compose2(&proc_iev[PROC_PARENT]->ibuf, IMSG_LOG, 0, 0, -1,
	    &l, sizeof(l), line, len) == -1)
		return;
	imsg_event_add(proc_iev[PROC_PARENT]);
}

static void
proc_fatal_hook(void)
{
	if (proc_iev[PROC_PARENT] != NULL)
		imsgbuf_flush_blocking(&proc_iev[PROC_PARENT]->ibuf);
}

int
proc_compose2(enum lopa_proc to, uint32_t type, uint32_t id, uint32_t reqid,
    int fd, const void *d1, size_t l1, const void *d2, size_t l2)
{
	struct imsgev	*iev;

	if ((unsigned)to >= PROC_MAX || (iev = proc_iev[to]) == NULL) {
		log_warnx("%s: no channel to %s", __func__, proc_name(to));
		if (fd != -1)
			close(fd);
		errno = ENOTCONN;
		return -1;
	}
	if (imsg_compose2(&iev->ibuf, type, id, reqid, fd, d1, l1, d2,
	    l2) == -1) {
		log_warn("%s: imsg %u to %s", __func__, type, proc_name(to));
		return -1;
	}
	imsg_event_add(iev);
	return 0;
}

#define PROC_BODY_MAX	(IMSG_MAXSIZE_DEFAULT - 1024)	/* a part */

void
proc_body_text(uint32_t reqid, const char *s, size_t len)
{
	size_t	 n;

	for (; len > 0; s += n, len -= n) {
		n = len < PROC_BODY_MAX ? len : PROC_BODY_MAX;
		proc_compose(PROC_CONTROL, IMSG_BODY_DATA, 0, reqid, -1, s, n);
	}
}

void
proc_body_end(uint32_t reqid, uint32_t status, const char *field,
    const char *detail)
{
	struct body_reply	 r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	if (field != NULL)
		strlcpy(r.field, field, sizeof(r.field));
	if (detail != NULL)
		strlcpy(r.detail, detail, sizeof(r.detail));
	proc_compose(PROC_CONTROL, IMSG_BODY_END, 0, reqid, -1, &r, sizeof(r));
}

int64_t
proc_clock_ns(int clock)
{
	struct timespec	 ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct timeval
proc_ns_tv(int64_t ns)
{
	struct timeval	 tv;

	if (ns < 0)
		ns = 0;
	tv.tv_sec = ns / 1000000000;
	tv.tv_usec = (ns % 1000000000) / 1000;
	return tv;
}

int
proc_compose(enum lopa_proc to, uint32_t type, uint32_t id, uint32_t reqid,
    int fd, const void *data, size_t len)
{
	return proc_compose2(to, type, id, reqid, fd, data, len, NULL, 0);
}

size_t
proc_queued(enum lopa_proc to)
{
	if (to >= PROC_MAX || proc_iev[to] == NULL)
		return 0;
	return proc_iev[to]->ibuf.queued;
}

int
proc_request_fd(const struct fd_request *req, uint32_t id)
{
	return proc_compose(PROC_PARENT, IMSG_FD_REQUEST, id, 0, -1, req,
	    sizeof(*req));
}

static void
proc_add_peer(enum lopa_proc peer, int fd)
{
	struct imsgev	*iev;

	if ((unsigned)peer >= PROC_MAX || peer == PROC_PARENT ||
	    peer == proc_self)
		fatalx("channel to bad peer %u", peer);
	if (proc_iev[peer] != NULL)
		fatalx("second channel to %s", proc_name(peer));
	if ((iev = calloc(1, sizeof(*iev))) == NULL)
		fatal("%s: calloc", __func__);
	if (imsgev_init(iev, proc_base, fd, PROC_PEER_MAXSIZE, 0,
	    proc_dispatch_peer, (void *)(uintptr_t)peer) == -1)
		fatal("%s: imsgev_init", __func__);
	proc_iev[peer] = iev;
}

/* Drop privileges and run: the end of the init phase. */
static void
proc_enter_running(void)
{
	if (!proc_have_init || proc_conf == NULL)
		fatalx("init incomplete");
	log_setverbose(proc_init_info.verbose);
	log_setlevel(proc_conf->log_level);
	if (proc_role_self->init != NULL)
		proc_role_self->init();
	/*
	 * What libraries read from files once, before the sandbox forbids
	 * it: the time zone (strftime) and jansson's hash seed
	 * (/dev/urandom).
	 */
	tzset();
	json_object_seed(0);
	sandbox_drop(proc_self, &proc_init_info);
	if (proc_role_self->start != NULL)
		proc_role_self->start();
	proc_running = 1;
	proc_compose(PROC_PARENT, IMSG_READY, 0, 0, -1, NULL, 0);
	log_debug("running");
}

static void
proc_reconf(struct imsg *imsg)
{
	struct reconf_ack	 ack;

	if (proc_running == 0) {
		/* Initial configuration. */
		if (proc_conf != NULL)
			fatalx("initial configuration twice");
		if ((proc_conf = malloc(sizeof(*proc_conf))) == NULL)
			fatal("%s: malloc", __func__);
		memcpy(proc_conf, imsg->data, sizeof(*proc_conf));
		return;
	}
	free(proc_pending);
	if ((proc_pending = malloc(sizeof(*proc_pending))) == NULL)
		fatal("%s: malloc", __func__);
	memcpy(proc_pending, imsg->data, sizeof(*proc_pending));
	memset(&ack, 0, sizeof(ack));
	ack.ok = 1;
	if (proc_role_self->reconf_check != NULL &&
	    proc_role_self->reconf_check(proc_pending, ack.msg,
	    sizeof(ack.msg)) != 0)
		ack.ok = 0;
	proc_compose(PROC_PARENT, IMSG_RECONF_ACK, 0, imsg->hdr.reqid, -1,
	    &ack, sizeof(ack));
}

static int
proc_dispatch_common(struct imsg *imsg)
{
	struct listener_info	 li;
	int32_t			 v;

	switch (imsg->hdr.type) {
	case IMSG_INIT:
		if (proc_running || imsg_check_len(imsg, sizeof(proc_init_info)))
			fatalx("bad IMSG_INIT");
		memcpy(&proc_init_info, imsg->data, sizeof(proc_init_info));
		proc_init_info.chroot[sizeof(proc_init_info.chroot) - 1] = '\0';
		proc_have_init = 1;
		break;
	case IMSG_SOCKET_CONN:
		if (proc_running || imsg->fd == -1)
			fatalx("bad IMSG_SOCKET_CONN");
		proc_add_peer(imsg->hdr.id, imsg_take_fd(imsg));
		break;
	case IMSG_INIT_DONE:
		if (proc_running)
			fatalx("IMSG_INIT_DONE twice");
		proc_enter_running();
		break;
	case IMSG_LISTENER:
	case IMSG_RECONF_LISTENER:
		if (imsg_check_len(imsg, sizeof(li)) || imsg->fd == -1 ||
		    proc_role_self->listener == NULL)
			fatalx("bad listener message");
		memcpy(&li, imsg->data, sizeof(li));
		li.name[sizeof(li.name) - 1] = '\0';
		proc_role_self->listener(&li, imsg_take_fd(imsg),
		    imsg->hdr.type == IMSG_RECONF_LISTENER);
		break;
	case IMSG_TOKENS:
		if (imsg->datalen % sizeof(struct api_token) != 0 ||
		    proc_role_self->tokens == NULL)
			fatalx("bad IMSG_TOKENS");
		proc_role_self->tokens(imsg->data,
		    imsg->datalen / sizeof(struct api_token));
		break;
	case IMSG_RECONF_CONF:
		if (imsg_check_len(imsg, sizeof(struct lopad_conf)))
			fatalx("bad IMSG_RECONF_CONF");
		proc_reconf(imsg);
		break;
	case IMSG_RECONF_COMMIT:
		if (proc_pending == NULL)
			fatalx("commit without a pending configuration");
		free(proc_conf);
		proc_conf = proc_pending;
		proc_pending = NULL;
		log_setlevel(proc_conf->log_level);
		if (proc_role_self->reconf_commit != NULL)
			proc_role_self->reconf_commit(proc_conf);
		break;
	case IMSG_RECONF_ABORT:
		free(proc_pending);
		proc_pending = NULL;
		if (proc_role_self->reconf_abort != NULL)
			proc_role_self->reconf_abort();
		break;
	case IMSG_LOG_VERBOSE:
		if (imsg_check_len(imsg, sizeof(v)))
			fatalx("bad IMSG_LOG_VERBOSE");
		memcpy(&v, imsg->data, sizeof(v));
		log_setverbose(v);
		break;
	default:
		return -1;
	}
	return 0;
}

static void
proc_dispatch_parent(int fd, short event, void *arg)
{
	struct imsgev	*iev = arg;
	struct imsg	 imsg;
	ssize_t		 n;

	if (event & EV_READ) {
		n = imsg_read(&iev->ibuf);
		if (n == 0) {
			/* The parent closed the channel or died: we are done. */
			if (proc_role_self->shutdown != NULL)
				proc_role_self->shutdown();
			_exit(0);
		}
		if (n == -1 && errno != EAGAIN)
			fatal("imsg_read from parent");
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			if (errno == EPIPE)
				_exit(0);
			fatal("imsgbuf_write to parent");
		}
	}
	while (imsg_get(&iev->ibuf, &imsg) == 1) {
		if (proc_dispatch_common(&imsg) == -1 &&
		    (proc_role_self->dispatch_parent == NULL ||
		    proc_role_self->dispatch_parent(&imsg) == -1))
			fatalx("unexpected imsg %u from parent",
			    imsg.hdr.type);
		imsg_free(&imsg);
	}
	imsg_event_add(iev);
}

static void
proc_dispatch_peer(int fd, short event, void *arg)
{
	struct imsgev	*iev;
	struct imsg	 imsg;
	enum lopa_proc	 peer;
	ssize_t		 n;

	iev = arg;
	peer = (enum lopa_proc)(uintptr_t)iev->data;
	if (event & EV_READ) {
		n = imsg_read(&iev->ibuf);
		if (n == 0) {
			/*
			 * The peer died.  Let the parent, which sees the death
			 * itself, report it and end the daemon: exiting here
			 * would race with it and blame the wrong process.
			 */
			log_debug("lost channel to %s", proc_name(peer));
			proc_iev[peer] = NULL;
			imsgev_clear(iev);
			close(iev->ibuf.fd);
			free(iev);
			return;
		}
		if (n == -1 && errno != EAGAIN)
			fatal("imsg_read from %s", proc_name(peer));
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1)
			fatal("imsgbuf_write to %s", proc_name(peer));
	}
	while (imsg_get(&iev->ibuf, &imsg) == 1) {
		if (proc_role_self->dispatch_peer == NULL ||
		    proc_role_self->dispatch_peer(peer, &imsg) == -1)
			fatalx("unexpected imsg %u from %s", imsg.hdr.type,
			    proc_name(peer));
		imsg_free(&imsg);
	}
	imsg_event_add(iev);
}

void
proc_child_main(enum lopa_proc self, int debug, int verbose)
{
	struct event_config	*cfg;
	struct imsgev		*iev;

	proc_self = self;
	if ((proc_role_self = proc_role_of(self)) == NULL)
		errx(1, "unknown role %d", self);
	setproctitle("%s", proc_name(self));
	log_init(1, verbose);
	log_procname(proc_name(self));
	log_setsink(proc_log_sink);
	log_setfatalhook(proc_fatal_hook);

	/*
	 * The parent orders shutdown by closing our channel.  Signals sent to
	 * the whole process group (a terminal's ^C, timeout(1), a service
	 * manager) are for the parent, which must see us end in order.
	 */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);

	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new");
	if (proc_role_self->precise_timer)
		event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	if ((proc_base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new");
	event_config_free(cfg);

	if ((iev = calloc(1, sizeof(*iev))) == NULL)
		fatal("calloc");
	if (imsgev_init(iev, proc_base, 3, PROC_PARENT_MAXSIZE, IMSGF_FDS,
	    proc_dispatch_parent, iev) == -1)
		fatal("imsgev_init on fd 3");
	proc_iev[PROC_PARENT] = iev;

	event_base_dispatch(proc_base);
	fatalx("event loop ended");
}
