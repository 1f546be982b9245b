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

#endif /* LOPA_ADDR_H */
