/*
 * lopa: "address:port" strings as used in the config and the API.
 *
 * Only numeric addresses: getaddrinfo runs with AI_NUMERICHOST and
 * AI_NUMERICSERV so it never touches DNS or /etc/services.  IPv4 must be
 * a plain dotted quad (inet_pton's rule): getaddrinfo alone would also take
 * inet_aton's "127.1" or "0x7f.1", which nobody means in a config file.
 * The port is decimal digits only, 1..65535.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static int
parse_port(const char *s, const char **errstr)
{
	unsigned long	 v = 0;
	const char	*p;

	if (*s == '\0') {
		*errstr = "missing port";
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*errstr = "port is not a number";
			return -1;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535) {
		*errstr = "port out of range (1..65535)";
		return -1;
	}
	return 0;
}

int
addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *sslen,
    const char **errstr)
{
	struct addrinfo		 hints, *res;
	struct in_addr		 in4;
	char			 host[NI_MAXHOST];
	const char		*port, *end;
	size_t			 hlen;
	int			 family;

	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "empty address";
		return -1;
	}
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL) {
			*errstr = "missing ']'";
			return -1;
		}
		if (end[1] != ':') {
			*errstr = end[1] == '\0' ? "missing port" :
			    "expected ':' after ']'";
			return -1;
		}
		hlen = (size_t)(end - s - 1);
		if (hlen == 0 || hlen >= sizeof(host)) {
			*errstr = "bad IPv6 address";
			return -1;
		}
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port = end + 2;
		family = AF_INET6;
	} else {
		if ((end = strrchr(s, ':')) == NULL) {
			*errstr = "missing port";
			return -1;
		}
		hlen = (size_t)(end - s);
		if (memchr(s, ':', hlen) != NULL) {
			*errstr = "IPv6 address must be in brackets";
			return -1;
		}
		if (hlen >= sizeof(host)) {
			*errstr = "bad IPv4 address";
			return -1;
		}
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (hlen == 0 || strcmp(host, "*") == 0)
			strlcpy(host, "0.0.0.0", sizeof(host));
		port = end + 1;
		family = AF_INET;
		if (inet_pton(AF_INET, host, &in4) != 1) {
			*errstr = "bad IPv4 address";
			return -1;
		}
	}
	if (parse_port(port, errstr) == -1)
		return -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL) {
		*errstr = family == AF_INET6 ? "bad IPv6 address" :
		    "bad IPv4 address";
		return -1;
	}
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		*errstr = "address too long";
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/*
 * "ip:port" or "[ip6]:port" (with "%scope" when set).  Returns the length
 * of the whole string as snprintf does, or 0 (and an empty buf) for an
 * address family other than IPv4 and IPv6.
 */
size_t
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char		 host[NI_MAXHOST], serv[NI_MAXSERV];
	socklen_t	 salen;
	int		 n;

	if (len > 0)
		buf[0] = '\0';
	switch (sa->sa_family) {
	case AF_INET:
		salen = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		salen = sizeof(struct sockaddr_in6);
		break;
	default:
		return 0;
	}
	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return 0;
	if (sa->sa_family == AF_INET6)
		n = snprintf(buf, len, "[%s]:%s", host, serv);
	else
		n = snprintf(buf, len, "%s:%s", host, serv);
	return n < 0 ? 0 : (size_t)n;
}

int
addr_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    sin6->sin6_addr.s6_addr[12] == 127;
	default:
		return 0;
	}
}

int
addr_prefix_form(const char *s, size_t len)
{
	return strspn(s, "0123456789.") >= len || memchr(s, ':', len) != NULL ||
	    memchr(s, '/', len) != NULL;
}

int
addr_prefix_parse(const char *s, struct addr_prefix *pfx, const char **errstr)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	const char	*slash, *p;
	unsigned int	 len = 0, max, i;
	size_t		 alen;

	memset(pfx, 0, sizeof(*pfx));
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0) {
		*errstr = "missing address";
		return -1;
	}
	if (alen >= sizeof(buf)) {
		*errstr = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, pfx->addr) == 1) {
		pfx->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, pfx->addr) == 1) {
		pfx->family = AF_INET6;
		max = 128;
	} else {
		*errstr = "not an IPv4 or IPv6 address";
		return -1;
	}
	if (slash == NULL)
		len = max;
	else {
		p = slash + 1;
		if (*p == '\0') {
			*errstr = "missing prefix length";
			return -1;
		}
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9') {
				*errstr = "prefix length is not a number";
				return -1;
			}
			len = len * 10 + (unsigned int)(*p - '0');
			if (len > max) {
				*errstr = "prefix length too long";
				return -1;
			}
		}
		if (p - slash > 4) {	/* "/0032" */
			*errstr = "prefix length is not a number";
			return -1;
		}
	}
	pfx->len = len;
	for (i = len; i < max; i++) {
		if (pfx->addr[i / 8] & (0x80 >> (i % 8))) {
			*errstr = "host bits set after the prefix length";
			return -1;
		}
	}
	return 0;
}

int
addr_prefix_match(const struct addr_prefix *pfx, const struct sockaddr *sa)
{
	const unsigned char	*a;
	unsigned int		 full, rest;

	if (sa->sa_family != pfx->family)
		return 0;
	if (sa->sa_family == AF_INET)
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = ((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr.s6_addr;
	else
		return 0;
	full = pfx->len / 8;
	rest = pfx->len % 8;
	if (memcmp(a, pfx->addr, full) != 0)
		return 0;
	if (rest != 0 && ((a[full] ^ pfx->addr[full]) &
	    (0xff00 >> rest) & 0xff) != 0)
		return 0;
	return 1;
}
