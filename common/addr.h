/*
 * lopa: "address:port" strings as used in the config and the API.
 */
#ifndef LOPA_ADDR_H
#define LOPA_ADDR_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

/*
 * Parse a numeric listen address: "127.0.0.1:8080", "[::1]:8080",
 * "[fe80::1%eth0]:8080", ":8080" or "*:8080" (IPv4 any), "[::]:8080"
 * (IPv6 any).  No DNS.  0 ok, -1 with a static reason in *errstr.
 */
int	 addr_parse(const char *, struct sockaddr_storage *, socklen_t *,
	    const char **);
/* Render as "ip:port" or "[ip6]:port". */
size_t	 addr_format(const struct sockaddr *, char *, size_t);
/* 1 if the address is loopback (127/8, ::1, ::ffff:127/104). */
int	 addr_is_loopback(const struct sockaddr *);

/* An address prefix: "198.18.0.0/15", "2001:db8::/32", "127.0.0.1". */
struct addr_prefix {
	int		 family;	/* AF_INET, AF_INET6 */
	unsigned int	 len;		/* prefix length in bits */
	unsigned char	 addr[16];	/* network order, host bits zero */
};
/*
 * Parse a numeric prefix (no port, no DNS); a missing length means the
 * whole address.  Host bits must be zero.  0 ok, -1 with *errstr set.
 */
int	 addr_prefix_parse(const char *, struct addr_prefix *, const char **);
/*
 * Whether the len bytes of s are written as an address or a prefix
 * (digits and dots, or a colon or a slash) rather than a host name.
 */
int	 addr_prefix_form(const char *, size_t);
/* 1 if the address (AF_INET or AF_INET6) lies inside the prefix. */
int	 addr_prefix_match(const struct addr_prefix *, const struct sockaddr *);

#endif /* LOPA_ADDR_H */
