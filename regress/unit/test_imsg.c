/*
 * Unit tests: framed messages (common/imsg.c) and the libevent glue
 * (common/imsgev.c).  Each test uses its own SOCK_SEQPACKET socketpair;
 * hostile input is sent raw with send()/sendmsg() on the peer socket.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "imsg.h"
#include "imsgev.h"

#define MAX		IMSG_MAXSIZE_DEFAULT

/* Both ends of one channel. */
struct chan {
	int		 sp[2];
	struct imsgbuf	 a;	/* writes */
	struct imsgbuf	 b;	/* reads */
};

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		fail_msg("opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static void
seqpacket_pair(int sp[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fail_msg("socketpair: %s", strerror(errno));
}

static void
chan_open(struct chan *c, size_t maxsize, int aflags, int bflags)
{
	seqpacket_pair(c->sp);
	assert_int_equal(imsgbuf_init(&c->a, c->sp[0], maxsize, aflags), 0);
	assert_int_equal(imsgbuf_init(&c->b, c->sp[1], maxsize, bflags), 0);
}

static void
chan_close(struct chan *c)
{
	imsgbuf_clear(&c->a);
	imsgbuf_clear(&c->b);
	if (c->sp[0] != -1)
		close(c->sp[0]);
	if (c->sp[1] != -1)
		close(c->sp[1]);
}

/* An fd that says which one it is: a memfd holding a tag. */
static int
tagged_fd(const char *tag)
{
	int	 fd;

	if ((fd = memfd_create("imsg-test", MFD_CLOEXEC)) == -1)
		fail_msg("memfd_create: %s", strerror(errno));
	if (write(fd, tag, strlen(tag)) != (ssize_t)strlen(tag))
		fail_msg("write memfd: %s", strerror(errno));
	return fd;
}

static void
assert_fd_tag(int fd, const char *tag)
{
	char	 buf[64];
	ssize_t	 n;

	assert_int_not_equal(fd, -1);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n == -1)
		fail_msg("pread fd %d: %s", fd, strerror(errno));
	buf[n] = '\0';
	assert_string_equal(buf, tag);
	/* Received fds must be close-on-exec (MSG_CMSG_CLOEXEC). */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

static void
hdr_bytes(void *buf, uint32_t type, uint32_t len)
{
	struct imsg_hdr	 hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = len;
	memcpy(buf, &hdr, sizeof(hdr));
}

/* sendmsg() with nfds fds, split over ncmsg control messages. */
static void
send_with_fds(int s, const void *data, size_t len, const int *fds,
    size_t nfds, size_t ncmsg)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(8 * sizeof(int))];
	}		 cb;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	size_t		 i, per = nfds / ncmsg, space = 0;

	memset(&msg, 0, sizeof(msg));
	memset(&cb, 0, sizeof(cb));
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cb.buf;
	for (i = 0; i < ncmsg; i++)
		space += CMSG_SPACE(per * sizeof(int));
	msg.msg_controllen = space;
	cmsg = CMSG_FIRSTHDR(&msg);
	for (i = 0; i < ncmsg; i++) {
		cmsg->cmsg_len = CMSG_LEN(per * sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), fds + i * per, per * sizeof(int));
		cmsg = CMSG_NXTHDR(&msg, cmsg);
	}
	if (sendmsg(s, &msg, 0) != (ssize_t)len)
		fail_msg("sendmsg: %s", strerror(errno));
}

static void
assert_read_fails(struct imsgbuf *ibuf, int want)
{
	errno = 0;
	assert_int_equal(imsg_read(ibuf), -1);
	if (errno != want)
		fail_msg("errno %d (%s), want %d (%s)", errno,
		    strerror(errno), want, strerror(want));
}

static void
test_init_validates_maxsize_and_sets_nonblocking(void **state)
{
	struct imsgbuf	 ib;
	int		 sp[2];

	seqpacket_pair(sp);
	errno = 0;
	assert_int_equal(imsgbuf_init(&ib, sp[0], IMSG_HDR_SIZE, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(imsgbuf_init(&ib, sp[0], IMSG_MAXSIZE_LIMIT + 1, 0),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(imsgbuf_init(&ib, sp[0], 0, 0), -1);
	assert_int_equal(imsgbuf_init(&ib, -1, MAX, 0), -1);
	assert_false(fcntl(sp[0], F_GETFL) & O_NONBLOCK);

	assert_int_equal(imsgbuf_init(&ib, sp[0], IMSG_HDR_SIZE + 1, 0), 0);
	assert_true(fcntl(sp[0], F_GETFL) & O_NONBLOCK);
	imsgbuf_clear(&ib);
	assert_int_equal(imsgbuf_init(&ib, sp[0], IMSG_MAXSIZE_LIMIT, 0), 0);
	imsgbuf_clear(&ib);
	imsgbuf_clear(&ib);	/* twice is harmless */
	close(sp[0]);
	close(sp[1]);
}

static void
test_init_refuses_stream_socket(void **state)
{
	struct imsgbuf	 ib;
	int		 sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fail_msg("socketpair: %s", strerror(errno));
	errno = 0;
	assert_int_equal(imsgbuf_init(&ib, sp[0], MAX, 0), -1);
	assert_int_equal(errno, EPROTOTYPE);
	close(sp[0]);
	close(sp[1]);
}

static void
test_header_and_payload_round_trip(void **state)
{
	struct chan	 c;
	struct imsg	 imsg;

	chan_open(&c, MAX, 0, 0);
	assert_int_equal(imsg_compose(&c.a, 7, 0xdeadbeef, 42, -1, "hello",
	    5), 0);
	assert_int_equal(imsg_compose2(&c.a, 8, 1, 2, -1, "ab", 2, "cd", 2),
	    0);
	assert_int_equal(imsg_compose(&c.a, 9, 3, 4, -1, NULL, 0), 0);
	assert_int_equal(c.a.queued, 3);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	assert_int_equal(c.a.queued, 0);
	assert_int_equal(imsg_read(&c.b), 3);

	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.hdr.type, 7);
	assert_int_equal(imsg.hdr.len, IMSG_HDR_SIZE + 5);
	assert_int_equal(imsg.hdr.id, 0xdeadbeef);
	assert_int_equal(imsg.hdr.reqid, 42);
	assert_int_equal(imsg.fd, -1);
	assert_int_equal(imsg.datalen, 5);
	assert_memory_equal(imsg.data, "hello", 5);
	assert_int_equal(imsg_check_len(&imsg, 5), 0);
	errno = 0;
	assert_int_equal(imsg_check_len(&imsg, 4), -1);
	assert_int_equal(errno, EBADMSG);
	imsg_free(&imsg);

	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.hdr.type, 8);
	assert_int_equal(imsg.datalen, 4);
	assert_memory_equal(imsg.data, "abcd", 4);
	imsg_free(&imsg);

	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.hdr.type, 9);
	assert_int_equal(imsg.datalen, 0);
	assert_null(imsg.data);
	imsg_free(&imsg);
	imsg_free(&imsg);	/* twice is harmless */

	assert_int_equal(imsg_get(&c.b, &imsg), 0);
	chan_close(&c);
}

static void
test_read_with_nothing_available_is_eagain(void **state)
{
	struct chan	 c;

	chan_open(&c, MAX, 0, 0);
	assert_read_fails(&c.b, EAGAIN);
	assert_int_equal(imsgbuf_write(&c.a), 0);	/* empty queue */
	chan_close(&c);
}

static void
exact_max_passes(size_t maxsize)
{
	struct chan	 c;
	struct imsg	 imsg;
	unsigned char	*p;
	size_t		 i, plen = maxsize - IMSG_HDR_SIZE;

	if ((p = malloc(plen)) == NULL)
		fail();
	for (i = 0; i < plen; i++)
		p[i] = i * 7 + 3;
	chan_open(&c, maxsize, 0, 0);
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, -1, p, plen), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	assert_int_equal(imsg_read(&c.b), 1);
	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.hdr.len, maxsize);
	assert_int_equal(imsg.datalen, plen);
	assert_memory_equal(imsg.data, p, plen);
	imsg_free(&imsg);
	chan_close(&c);
	free(p);
}

static void
test_exact_max_size_message_passes(void **state)
{
	exact_max_passes(MAX);
	exact_max_passes(IMSG_HDR_SIZE + 1);
}

/* Larger than the default socket send buffer: init must raise it. */
static void
test_exact_max_size_at_channel_limit_passes(void **state)
{
	exact_max_passes(IMSG_MAXSIZE_LIMIT);
}

static void
test_compose_max_plus_one_is_erange(void **state)
{
	struct chan	 c;
	unsigned char	*p;

	if ((p = calloc(1, MAX)) == NULL)
		fail();
	chan_open(&c, MAX, IMSGF_FDS, 0);
	errno = 0;
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, -1, p,
	    MAX - IMSG_HDR_SIZE + 1), -1);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_int_equal(imsg_compose2(&c.a, 1, 0, 0, -1, p, 100, p,
	    MAX - IMSG_HDR_SIZE - 99), -1);
	assert_int_equal(errno, ERANGE);
	/* Sizes that would wrap around when added. */
	errno = 0;
	assert_int_equal(imsg_compose2(&c.a, 1, 0, 0, -1, p, 100, p,
	    SIZE_MAX - 50), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(c.a.queued, 0);
	free(p);
	chan_close(&c);
}

static void
test_raw_datagram_max_plus_one_is_ebadmsg(void **state)
{
	struct chan	 c;
	unsigned char	*p;

	if ((p = calloc(1, 2 * MAX)) == NULL)
		fail();
	chan_open(&c, MAX, 0, 0);
	hdr_bytes(p, 1, MAX + 1);
	assert_int_equal(send(c.sp[0], p, MAX + 1, 0), MAX + 1);
	assert_read_fails(&c.b, EBADMSG);

	/* Far bigger than the read buffer: truncated, still refused. */
	hdr_bytes(p, 1, 2 * MAX);
	assert_int_equal(send(c.sp[0], p, 2 * MAX, 0), 2 * MAX);
	assert_read_fails(&c.b, EBADMSG);
	free(p);
	chan_close(&c);
}

static void
test_header_len_below_16_is_ebadmsg(void **state)
{
	struct chan	 c;
	unsigned char	 buf[IMSG_HDR_SIZE];

	chan_open(&c, MAX, 0, 0);
	hdr_bytes(buf, 1, IMSG_HDR_SIZE - 1);
	assert_int_equal(send(c.sp[0], buf, sizeof(buf), 0), sizeof(buf));
	assert_read_fails(&c.b, EBADMSG);
	hdr_bytes(buf, 1, 0);
	assert_int_equal(send(c.sp[0], buf, sizeof(buf), 0), sizeof(buf));
	assert_read_fails(&c.b, EBADMSG);
	chan_close(&c);
}

static void
test_header_len_not_datagram_len_is_ebadmsg(void **state)
{
	struct chan	 c;
	unsigned char	 buf[64];

	memset(buf, 0, sizeof(buf));
	chan_open(&c, MAX, 0, 0);
	hdr_bytes(buf, 1, 24);		/* claims less than sent */
	assert_int_equal(send(c.sp[0], buf, 32, 0), 32);
	assert_read_fails(&c.b, EBADMSG);
	hdr_bytes(buf, 1, 40);		/* claims more than sent */
	assert_int_equal(send(c.sp[0], buf, 32, 0), 32);
	assert_read_fails(&c.b, EBADMSG);
	chan_close(&c);
}

/* A datagram cut short inside the header ("EOF mid-message"). */
static void
test_short_datagram_is_ebadmsg(void **state)
{
	struct chan	 c;
	unsigned char	 buf[IMSG_HDR_SIZE];

	chan_open(&c, MAX, 0, 0);
	hdr_bytes(buf, 1, IMSG_HDR_SIZE);
	assert_int_equal(send(c.sp[0], buf, 5, 0), 5);
	assert_read_fails(&c.b, EBADMSG);
	chan_close(&c);
}

/* recv() returns 0 for an empty datagram too: it must not look like EOF. */
static void
test_empty_datagram_is_ebadmsg_not_eof(void **state)
{
	struct chan	 c;

	chan_open(&c, MAX, 0, 0);
	assert_int_equal(send(c.sp[0], "", 0, 0), 0);
	assert_read_fails(&c.b, EBADMSG);
	chan_close(&c);
}

static void
test_good_messages_before_a_bad_one_stay_queued(void **state)
{
	struct chan	 c;
	struct imsg	 imsg;
	unsigned char	 buf[8];

	chan_open(&c, MAX, 0, 0);
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, -1, "x", 1), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(send(c.sp[0], buf, sizeof(buf), 0), sizeof(buf));
	assert_read_fails(&c.b, EBADMSG);
	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.hdr.type, 1);
	imsg_free(&imsg);
	chan_close(&c);
}

static void
test_eof_after_messages_delivers_them_then_zero(void **state)
{
	struct chan	 c;
	struct imsg	 imsg;
	uint32_t	 i;

	chan_open(&c, MAX, 0, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(imsg_compose(&c.a, 100 + i, i, 0, -1, &i,
		    sizeof(i)), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	close(c.sp[0]);
	c.sp[0] = -1;
	assert_int_equal(imsg_read(&c.b), 3);
	assert_int_equal(imsg_read(&c.b), 0);
	assert_int_equal(imsg_read(&c.b), 0);	/* EOF stays EOF */
	for (i = 0; i < 3; i++) {
		assert_int_equal(imsg_get(&c.b, &imsg), 1);
		assert_int_equal(imsg.hdr.type, 100 + i);
		assert_int_equal(*(uint32_t *)imsg.data, i);
		imsg_free(&imsg);
	}
	assert_int_equal(imsg_get(&c.b, &imsg), 0);
	chan_close(&c);
}

static void
test_eof_with_nothing_queued_is_zero(void **state)
{
	struct chan	 c;

	chan_open(&c, MAX, 0, 0);
	shutdown(c.sp[0], SHUT_WR);
	assert_int_equal(imsg_read(&c.b), 0);
	chan_close(&c);
}

static void
test_write_to_closed_peer_is_epipe(void **state)
{
	struct chan	 c;

	chan_open(&c, MAX, 0, 0);
	close(c.sp[1]);
	c.sp[1] = -1;
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, -1, "x", 1), 0);
	errno = 0;
	assert_int_equal(imsgbuf_write(&c.a), -1);	/* and no SIGPIPE */
	assert_int_equal(errno, EPIPE);
	assert_int_equal(c.a.queued, 1);
	chan_close(&c);
}

/* Five messages, one fd at position 'at': it must arrive on that one. */
static void
fd_on_message(int at)
{
	struct chan	 c;
	struct imsg	 imsg;
	char		 tag[32];
	int		 i, before;

	before = count_fds();
	chan_open(&c, MAX, IMSGF_FDS, IMSGF_FDS);
	snprintf(tag, sizeof(tag), "fd-of-message-%d", at);
	for (i = 0; i < 5; i++)
		assert_int_equal(imsg_compose(&c.a, i, 0, 0,
		    i == at ? tagged_fd(tag) : -1, &i, sizeof(i)), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	assert_int_equal(imsg_read(&c.b), 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(imsg_get(&c.b, &imsg), 1);
		assert_int_equal(imsg.hdr.type, i);
		if (i == at)
			assert_fd_tag(imsg.fd, tag);
		else
			assert_int_equal(imsg.fd, -1);
		imsg_free(&imsg);
	}
	chan_close(&c);
	assert_int_equal(count_fds(), before);
}

static void
test_fd_on_first_message_stays_with_it(void **state)
{
	fd_on_message(0);
}

static void
test_fd_on_middle_message_stays_with_it(void **state)
{
	fd_on_message(2);
}

static void
test_fd_on_last_message_stays_with_it(void **state)
{
	fd_on_message(4);
}

static void
test_two_fds_back_to_back_each_on_its_message(void **state)
{
	struct chan	 c;
	struct imsg	 imsg;
	int		 before;

	before = count_fds();
	chan_open(&c, MAX, IMSGF_FDS, IMSGF_FDS);
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, -1, NULL, 0), 0);
	assert_int_equal(imsg_compose(&c.a, 2, 0, 0, tagged_fd("first"),
	    NULL, 0), 0);
	assert_int_equal(imsg_compose(&c.a, 3, 0, 0, tagged_fd("second"),
	    NULL, 0), 0);
	assert_int_equal(imsg_compose(&c.a, 4, 0, 0, -1, NULL, 0), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	assert_int_equal(imsg_read(&c.b), 4);
	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.fd, -1);
	imsg_free(&imsg);
	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.hdr.type, 2);
	assert_fd_tag(imsg.fd, "first");
	imsg_free(&imsg);
	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.hdr.type, 3);
	assert_fd_tag(imsg.fd, "second");
	imsg_free(&imsg);
	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	assert_int_equal(imsg.fd, -1);
	imsg_free(&imsg);
	chan_close(&c);
	assert_int_equal(count_fds(), before);
}

/* Sender allows fds, receiver does not: the fd is closed, EPROTO. */
static void
test_fd_on_refusing_channel_is_eproto_and_closed(void **state)
{
	struct chan	 c;
	struct imsg	 imsg;
	int		 before;

	chan_open(&c, MAX, IMSGF_FDS, 0);
	before = count_fds();
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, tagged_fd("unwanted"),
	    "x", 1), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	assert_int_equal(count_fds(), before);	/* sender closed its copy */
	assert_read_fails(&c.b, EPROTO);
	assert_int_equal(count_fds(), before);
	assert_int_equal(imsg_get(&c.b, &imsg), 0);
	chan_close(&c);
}

static void
test_compose_fd_on_nofd_channel_is_einval(void **state)
{
	struct chan	 c;
	int		 fd;

	chan_open(&c, MAX, 0, 0);
	fd = tagged_fd("mine");
	errno = 0;
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, fd, "x", 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(c.a.queued, 0);
	assert_true(fd_is_open(fd));	/* still the caller's */
	close(fd);
	chan_close(&c);
}

static void
hostile_fds(size_t nfds, size_t ncmsg, int want)
{
	struct chan	 c;
	unsigned char	 buf[IMSG_HDR_SIZE];
	int		 fds[8];
	size_t		 i;
	int		 before;

	chan_open(&c, MAX, IMSGF_FDS, IMSGF_FDS);
	before = count_fds();
	for (i = 0; i < nfds; i++)
		fds[i] = tagged_fd("extra");
	hdr_bytes(buf, 1, sizeof(buf));
	send_with_fds(c.sp[0], buf, sizeof(buf), fds, nfds, ncmsg);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	assert_int_equal(count_fds(), before);
	assert_read_fails(&c.b, want);
	assert_int_equal(count_fds(), before);
	chan_close(&c);
}

static void
test_two_fds_in_one_message_are_closed_eproto(void **state)
{
	hostile_fds(2, 1, EPROTO);
}

/* Linux merges them into one cmsg with two fds. */
static void
test_two_fd_cmsgs_in_one_message_are_closed_eproto(void **state)
{
	hostile_fds(2, 2, EPROTO);
}

/* Too many for the control buffer: MSG_CTRUNC. */
static void
test_many_fds_in_one_message_are_closed_ebadmsg(void **state)
{
	hostile_fds(5, 1, EBADMSG);
}

static void
test_fd_on_bad_datagram_is_closed(void **state)
{
	struct chan	 c;
	unsigned char	 buf[IMSG_HDR_SIZE];
	int		 fd, before;

	chan_open(&c, MAX, IMSGF_FDS, IMSGF_FDS);
	before = count_fds();
	fd = tagged_fd("bad");
	hdr_bytes(buf, 1, 99);
	send_with_fds(c.sp[0], buf, sizeof(buf), &fd, 1, 1);
	send_with_fds(c.sp[0], buf, 3, &fd, 1, 1);
	send_with_fds(c.sp[0], buf, 0, &fd, 1, 1);
	close(fd);
	assert_read_fails(&c.b, EBADMSG);
	assert_read_fails(&c.b, EBADMSG);
	assert_read_fails(&c.b, EBADMSG);
	assert_int_equal(count_fds(), before);
	chan_close(&c);
}

static void
test_imsg_take_fd_keeps_it_open_after_free(void **state)
{
	struct chan	 c;
	struct imsg	 imsg;
	int		 fd, rfd;

	chan_open(&c, MAX, IMSGF_FDS, IMSGF_FDS);
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, tagged_fd("taken"),
	    NULL, 0), 0);
	assert_int_equal(imsg_compose(&c.a, 2, 0, 0, tagged_fd("dropped"),
	    NULL, 0), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	assert_int_equal(imsg_read(&c.b), 2);

	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	fd = imsg_take_fd(&imsg);
	assert_fd_tag(fd, "taken");
	assert_int_equal(imsg.fd, -1);
	assert_int_equal(imsg_take_fd(&imsg), -1);
	imsg_free(&imsg);
	assert_true(fd_is_open(fd));
	close(fd);

	/* Not taken: imsg_free closes it. */
	assert_int_equal(imsg_get(&c.b, &imsg), 1);
	rfd = imsg.fd;
	assert_fd_tag(rfd, "dropped");
	imsg_free(&imsg);
	assert_false(fd_is_open(rfd));
	chan_close(&c);
}

static void
test_clear_closes_queued_fds(void **state)
{
	struct chan	 c;
	int		 before;

	chan_open(&c, MAX, IMSGF_FDS, IMSGF_FDS);
	before = count_fds();
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, tagged_fd("q1"), NULL,
	    0), 0);
	assert_int_equal(imsg_compose(&c.a, 2, 0, 0, tagged_fd("q2"), NULL,
	    0), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	assert_int_equal(imsg_compose(&c.a, 3, 0, 0, tagged_fd("q3"), NULL,
	    0), 0);
	assert_int_equal(imsg_read(&c.b), 2);	/* received, never got */
	chan_close(&c);
	assert_int_equal(count_fds(), before - 2);
}

static void
test_many_messages_in_one_read(void **state)
{
	struct chan	 c;
	struct imsg	 imsg;
	uint32_t	 i;

	chan_open(&c, MAX, 0, 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(imsg_compose(&c.a, 5, i, 0, -1, &i,
		    sizeof(i)), 0);
	assert_int_equal(imsgbuf_write(&c.a), 0);
	assert_int_equal(imsg_read(&c.b), 200);
	assert_read_fails(&c.b, EAGAIN);
	for (i = 0; i < 200; i++) {
		assert_int_equal(imsg_get(&c.b, &imsg), 1);
		assert_int_equal(imsg.hdr.id, i);
		assert_int_equal(imsg_check_len(&imsg, sizeof(i)), 0);
		assert_memory_equal(imsg.data, &i, sizeof(i));
		imsg_free(&imsg);
	}
	assert_int_equal(imsg_get(&c.b, &imsg), 0);
	chan_close(&c);
}

/* Payload of message seq: its length and every byte depend on seq. */
static size_t
pattern_len(uint32_t seq)
{
	return 100 + (seq * 37) % 3000;
}

static void
pattern_fill(unsigned char *p, uint32_t seq)
{
	size_t	 i, len = pattern_len(seq);

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seq * 131 + i);
}

static uint32_t
drain_and_check(struct imsgbuf *ib, uint32_t next)
{
	struct imsg	 imsg;
	unsigned char	 want[4096];
	char		 tag[32];
	ssize_t		 n;

	while ((n = imsg_read(ib)) > 0)
		;
	if (n == 0 || errno != EAGAIN)
		fail_msg("imsg_read: %zd, %s", n, strerror(errno));
	while (imsg_get(ib, &imsg) == 1) {
		assert_int_equal(imsg.hdr.id, next);
		assert_int_equal(imsg.datalen, pattern_len(next));
		pattern_fill(want, next);
		assert_memory_equal(imsg.data, want, imsg.datalen);
		if (next % 50 == 0) {
			snprintf(tag, sizeof(tag), "seq-%u", next);
			assert_fd_tag(imsg.fd, tag);
		} else
			assert_int_equal(imsg.fd, -1);
		imsg_free(&imsg);
		next++;
	}
	return next;
}

static void
test_full_socket_buffer_queues_and_resumes_in_order(void **state)
{
	struct chan	 c;
	unsigned char	 p[4096];
	char		 tag[32];
	uint32_t	 seq = 0, next = 0;
	int		 r = 0, rounds, before;

	before = count_fds();
	chan_open(&c, MAX, IMSGF_FDS, IMSGF_FDS);
	/* Fill until the kernel says EAGAIN. */
	while (seq < 100000) {
		pattern_fill(p, seq);
		if (seq % 50 == 0)
			snprintf(tag, sizeof(tag), "seq-%u", seq);
		assert_int_equal(imsg_compose(&c.a, 1, seq, 0,
		    seq % 50 == 0 ? tagged_fd(tag) : -1, p, pattern_len(seq)),
		    0);
		seq++;
		if ((r = imsgbuf_write(&c.a)) == 1)
			break;
		assert_int_equal(r, 0);
	}
	assert_int_equal(r, 1);
	assert_true(c.a.queued > 0);
	/* Queue more behind the blocked one, then resume in rounds. */
	for (; seq % 1000 != 0 || seq < 2000; seq++) {
		pattern_fill(p, seq);
		if (seq % 50 == 0)
			snprintf(tag, sizeof(tag), "seq-%u", seq);
		assert_int_equal(imsg_compose(&c.a, 1, seq, 0,
		    seq % 50 == 0 ? tagged_fd(tag) : -1, p, pattern_len(seq)),
		    0);
	}
	for (rounds = 0; rounds < 10000; rounds++) {
		next = drain_and_check(&c.b, next);
		if ((r = imsgbuf_write(&c.a)) == 0)
			break;
		assert_int_equal(r, 1);
	}
	assert_int_equal(r, 0);
	assert_true(rounds > 0);
	next = drain_and_check(&c.b, next);
	assert_int_equal(next, seq);
	assert_int_equal(c.a.queued, 0);
	chan_close(&c);
	assert_int_equal(count_fds(), before);
}

static void
test_flush_blocking_gives_up_within_bound(void **state)
{
	struct chan	 c;
	struct timespec	 t0, t1;
	unsigned char	 p[8192];
	long		 ms;
	int		 i;

	memset(p, 0, sizeof(p));
	chan_open(&c, MAX, 0, 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(imsg_compose(&c.a, 1, i, 0, -1, p,
		    sizeof(p)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = ENOTTY;
	imsgbuf_flush_blocking(&c.a);		/* nobody reads */
	assert_int_equal(errno, ENOTTY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 90 && ms < 1000);
	assert_true(c.a.queued > 0);
	chan_close(&c);
}

static void
test_flush_blocking_sends_everything_it_can(void **state)
{
	struct chan	 c;

	chan_open(&c, MAX, 0, 0);
	assert_int_equal(imsg_compose(&c.a, 1, 0, 0, -1, "last", 4), 0);
	imsgbuf_flush_blocking(&c.a);
	assert_int_equal(c.a.queued, 0);
	assert_int_equal(imsg_read(&c.b), 1);
	chan_close(&c);
}

/*
 * libevent glue: a pings b N times, b answers each; both sides check
 * that EV_WRITE is armed exactly while something is queued.
 */
struct ev_side {
	struct imsgev	 iev;
	int		 got;
	int		 idle_write_wakeups;
	int		 mask_errors;
};

#define PINGS	500

static void
check_mask(struct ev_side *s)
{
	short	 want = EV_READ, pend;

	if (s->iev.ibuf.queued > 0)
		want |= EV_WRITE;
	pend = event_pending(s->iev.ev, EV_READ | EV_WRITE, NULL);
	if (pend != want || s->iev.events != want)
		s->mask_errors++;
}

static void
ev_dispatch(int fd, short event, void *arg)
{
	struct imsgev	*iev = arg;
	struct ev_side	*s = iev->data;
	struct imsg	 imsg;
	ssize_t		 n;

	if (event & EV_WRITE) {
		if (iev->ibuf.queued == 0)
			s->idle_write_wakeups++;
		if (imsgbuf_write(&iev->ibuf) == -1)
			fail_msg("imsgbuf_write: %s", strerror(errno));
	}
	if (event & EV_READ) {
		n = imsg_read(&iev->ibuf);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			fail_msg("imsg_read: %zd %s", n, strerror(errno));
	}
	while (imsg_get(&iev->ibuf, &imsg) == 1) {
		s->got++;
		if (imsg.hdr.type == 1)		/* ping: answer it */
			assert_int_equal(imsgev_compose(iev, 2, imsg.hdr.id,
			    0, -1, imsg.data, imsg.datalen), 0);
		else if (s->got == PINGS)
			event_base_loopexit(iev->base, NULL);
		imsg_free(&imsg);
	}
	imsg_event_add(iev);
	check_mask(s);
}

static void
ev_timeout(int fd, short event, void *arg)
{
	event_base_loopexit(arg, NULL);
}

static void
test_imsgev_ping_pong_arms_write_only_while_queued(void **state)
{
	struct event_base	*base;
	struct event		*timeout;
	struct timeval		 tv = { 5, 0 };
	struct ev_side		 a, b;
	int			 sp[2], i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	seqpacket_pair(sp);
	if ((base = event_base_new()) == NULL)
		fail();
	assert_int_equal(imsgev_init(&a.iev, base, sp[0], MAX, 0,
	    ev_dispatch, &a), 0);
	assert_int_equal(imsgev_init(&b.iev, base, sp[1], MAX, 0,
	    ev_dispatch, &b), 0);
	check_mask(&a);
	assert_int_equal(a.mask_errors, 0);
	assert_int_equal(a.iev.events, EV_READ);

	for (i = 0; i < PINGS; i++)
		assert_int_equal(imsgev_compose(&a.iev, 1, i, 0, -1, &i,
		    sizeof(i)), 0);
	assert_int_equal(a.iev.events, EV_READ | EV_WRITE);
	assert_int_equal(event_pending(a.iev.ev, EV_WRITE, NULL), EV_WRITE);
	check_mask(&a);

	timeout = evtimer_new(base, ev_timeout, base);
	evtimer_add(timeout, &tv);
	assert_int_equal(event_base_dispatch(base), 0);
	evtimer_del(timeout);
	event_free(timeout);

	assert_int_equal(b.got, PINGS);
	assert_int_equal(a.got, PINGS);
	assert_int_equal(a.idle_write_wakeups, 0);
	assert_int_equal(b.idle_write_wakeups, 0);
	assert_int_equal(a.mask_errors, 0);
	assert_int_equal(b.mask_errors, 0);
	/* Everything sent: only EV_READ left armed. */
	assert_int_equal(a.iev.ibuf.queued, 0);
	assert_int_equal(event_pending(a.iev.ev, EV_READ | EV_WRITE, NULL),
	    EV_READ);

	/* Re-adding with an unchanged mask keeps the event armed. */
	imsg_event_add(&a.iev);
	assert_int_equal(event_pending(a.iev.ev, EV_READ | EV_WRITE, NULL),
	    EV_READ);

	imsgev_clear(&a.iev);
	imsgev_clear(&b.iev);
	assert_null(a.iev.ev);
	imsg_event_add(&a.iev);		/* harmless after clear */
	assert_true(fd_is_open(sp[0]));	/* clear leaves the socket */
	close(sp[0]);
	close(sp[1]);
	event_base_free(base);
}

static void
test_imsgev_compose_failure_leaves_event_alone(void **state)
{
	struct event_base	*base;
	struct imsgev		 iev;
	unsigned char		*p;
	int			 sp[2];

	seqpacket_pair(sp);
	if ((base = event_base_new()) == NULL)
		fail();
	if ((p = calloc(1, MAX)) == NULL)
		fail();
	assert_int_equal(imsgev_init(&iev, base, sp[0], MAX, 0, ev_dispatch,
	    NULL), 0);
	errno = 0;
	assert_int_equal(imsgev_compose(&iev, 1, 0, 0, -1, p, MAX), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(iev.events, EV_READ);
	imsgev_clear(&iev);
	free(p);
	close(sp[0]);
	close(sp[1]);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_init_validates_maxsize_and_sets_nonblocking),
		cmocka_unit_test(test_init_refuses_stream_socket),
		cmocka_unit_test(test_header_and_payload_round_trip),
		cmocka_unit_test(test_read_with_nothing_available_is_eagain),
		cmocka_unit_test(test_exact_max_size_message_passes),
		cmocka_unit_test(test_exact_max_size_at_channel_limit_passes),
		cmocka_unit_test(test_compose_max_plus_one_is_erange),
		cmocka_unit_test(test_raw_datagram_max_plus_one_is_ebadmsg),
		cmocka_unit_test(test_header_len_below_16_is_ebadmsg),
		cmocka_unit_test(test_header_len_not_datagram_len_is_ebadmsg),
		cmocka_unit_test(test_short_datagram_is_ebadmsg),
		cmocka_unit_test(test_empty_datagram_is_ebadmsg_not_eof),
		cmocka_unit_test(
		    test_good_messages_before_a_bad_one_stay_queued),
		cmocka_unit_test(
		    test_eof_after_messages_delivers_them_then_zero),
		cmocka_unit_test(test_eof_with_nothing_queued_is_zero),
		cmocka_unit_test(test_write_to_closed_peer_is_epipe),
		cmocka_unit_test(test_fd_on_first_message_stays_with_it),
		cmocka_unit_test(test_fd_on_middle_message_stays_with_it),
		cmocka_unit_test(test_fd_on_last_message_stays_with_it),
		cmocka_unit_test(
		    test_two_fds_back_to_back_each_on_its_message),
		cmocka_unit_test(
		    test_fd_on_refusing_channel_is_eproto_and_closed),
		cmocka_unit_test(test_compose_fd_on_nofd_channel_is_einval),
		cmocka_unit_test(test_two_fds_in_one_message_are_closed_eproto),
		cmocka_unit_test(
		    test_two_fd_cmsgs_in_one_message_are_closed_eproto),
		cmocka_unit_test(
		    test_many_fds_in_one_message_are_closed_ebadmsg),
		cmocka_unit_test(test_fd_on_bad_datagram_is_closed),
		cmocka_unit_test(test_imsg_take_fd_keeps_it_open_after_free),
		cmocka_unit_test(test_clear_closes_queued_fds),
		cmocka_unit_test(test_many_messages_in_one_read),
		cmocka_unit_test(
		    test_full_socket_buffer_queues_and_resumes_in_order),
		cmocka_unit_test(test_flush_blocking_gives_up_within_bound),
		cmocka_unit_test(test_flush_blocking_sends_everything_it_can),
		cmocka_unit_test(
		    test_imsgev_ping_pong_arms_write_only_while_queued),
		cmocka_unit_test(
		    test_imsgev_compose_failure_leaves_event_alone),
	};

	return cmocka_run_group_tests_name("imsg", tests, NULL, NULL);
}
