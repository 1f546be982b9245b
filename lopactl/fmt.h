/*
 * lopactl: text for people from the API's JSON: times in milliseconds,
 * percentages, one line per probe, the ping-like summary and the
 * statistics blocks of "task show".  Pure: JSON in, text out (to a buffer
 * or a stdio stream); strings from the daemon are made printable.
 */
#ifndef LOPACTL_FMT_H
#define LOPACTL_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Nanoseconds as milliseconds with 3 decimals, rounded: "1.235". */
/* Append to the string in buf (len bytes in all), truncating. */
void		 fmt_append(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
size_t		 fmt_ms(int64_t, char *, size_t);
/* A fraction as a percentage, at most 2 decimals, no trailing zeros. */
size_t		 fmt_pct(double, char *, size_t);
/* The string member of an object, printable; "-" when absent. */
const char	*fmt_str(json_t *, const char *, char *, size_t);
/* Copy n bytes of s, control characters as '?'. */
void		 fmt_safe(char *, size_t, const char *, size_t);
/* An integer member (an integral real too); 0 when absent. */
int64_t		 fmt_int(json_t *, const char *);
/*
 * One SSE "probe" event as a line, without newline:
 * "seq=3 rtt=1.234 ms ttl=64", "seq=4 timeout", ...  Returns 0 (and an
 * empty line) for an event not shown: kind "sent", or no seq.
 */
size_t		 fmt_probe(json_t *, char *, size_t);
/* "4 sent, 3 received, 25% loss[, 1 refused][, ...]" of a stats object. */
size_t		 fmt_counts(json_t *, char *, size_t);
/* The ping-like summary of a task result. */
void		 fmt_summary(FILE *, json_t *);
/*
 * The summary of a twamp or stamp task: a table of Outbound, Inbound and
 * Roundtrip rows (Min, Max, Avg, Jitter, Loss), then the percentiles,
 * processing time, hops, what the reflector is and what its STAMP TLVs
 * said; a line per round; a continuous task's window the same way.
 */
void		 fmt_twamp_summary(FILE *, json_t *);
/*
 * A threshold's notification (an SSE "alert" event) as a line, without
 * newline: "ALERT loss 12.00% >= 5.00%", "ALERT rtt_p99 151.234 ms >=
 * 150 ms (repeat)", "RECOVERY loss 0.00% < 5.00% (worst 12.00%)".
 */
size_t		 fmt_alert(json_t *, char *, size_t);
/*
 * What a threshold's metric measures, by its name: loss a fraction, a
 * passive task's bps_in and bps_out bits per second, its pps_in,
 * pps_out and NAME_rate a count per second, the others times.
 */
#define METRIC_FRACTION	0
#define METRIC_TIME	1
#define METRIC_BITS	2
#define METRIC_RATE	3
int		 fmt_metric_kind(const char *);
/*
 * A threshold's level: a loss fraction as a percentage with 2 decimals,
 * a time (integer ns) in milliseconds without trailing zeros ("150 ms",
 * "0.000001 ms"), a rate as fmt_rate ("1.20 Mbit/s", "12.5/s"); the
 * second argument is the metric's kind (METRIC_*; 0 a fraction, 1 a
 * time).
 */
size_t		 fmt_level(json_t *, int, char *, size_t);
/* A metric's value: as fmt_level, a time as fmt_ms + " ms". */
size_t		 fmt_value(json_t *, int, char *, size_t);
/*
 * An event of GET /api/v1/events as a line, without time nor newline:
 * "task vm-3 running", "task vm-3 failed: <error>", "task vm-3 ALERT
 * ..., target 192.0.2.7", "monitor vm-4 interface update veth0: mtu
 * 1500->1400" (as fmt_monitor_detail); another event by its name (and
 * its task).
 */
size_t		 fmt_event(const char *, json_t *, char *, size_t);
/*
 * A netlink monitor's event as a line, without newline: for an add or a
 * delete the object as ip(8) names it ("veth0 index 5 up mtu 1500",
 * "198.18.1.1/24 dev veth0", "10.0.0.0/8 via 198.18.0.1 dev veth0 table
 * 100 metric 10"); for an update the object's key and each attribute
 * changed ("veth0: mtu 1500->1400, oper_state up->down"); for a resync
 * "resync (N changes)".
 */
size_t		 fmt_monitor_detail(json_t *, char *, size_t);
/*
 * An RFC 3339 time member to the millisecond, "2026-12-02T06:00:00.123Z"
 * (cut, not rounded); as it is when it has another form; "-" if absent.
 */
size_t		 fmt_time_ms(json_t *, const char *, char *, size_t);
/* GET /api/v1/reflector as tables. */
void		 fmt_reflector(FILE *, json_t *);
/*
 * An interface of GET /api/v1/interfaces: its operational state, "up"
 * or "down" from its flags when the state is unknown (or absent, "-"
 * then); its addresses as CIDRs, comma-separated, IPv4 first
 * ("198.18.1.1/24,2001:db8::1/64"), "-" for none.
 */
size_t		 fmt_link_state(json_t *, char *, size_t);
size_t		 fmt_link_addrs(json_t *, char *, size_t);
/*
 * A route of GET /api/v1/routes as ip-route(8) prints it, without its
 * next hops: "10.0.0.0/8 via 198.18.1.2 dev vA table 100 proto static
 * metric 10", "local 198.18.1.1 dev vA table local proto kernel scope
 * host src 198.18.1.1": its type but unicast, the destination (a host
 * route without /32 or /128), gateway, interface, table but main,
 * protocol but boot, scope but global, preferred source, metric (IPv4
 * not 0), flags and IPv6 preference.  A next hop of a multipath route:
 * "nexthop via 198.18.1.2 dev vA weight 1".  An interface known by its
 * index only is named from links (the interfaces' array, may be NULL),
 * else "ifindex N".
 */
size_t		 fmt_route(json_t *, json_t *, char *, size_t);
size_t		 fmt_nexthop(json_t *, json_t *, char *, size_t);
/* A stats object in full, each line starting with indent. */
void		 fmt_stats(FILE *, json_t *, const char *, int);
/*
 * Passive tasks (interface counters).  A rate with an SI prefix and 3
 * significant digits, a space before the prefix and unit when there is
 * a unit: "0 bit/s", "980 bit/s", "5.25 kbit/s", "1.20 Mbit/s"; "8.00",
 * "12.3k" without.  A byte count exactly, and from 1000 on with a prefix
 * too: "614 bytes", "1234567 bytes (1.23 MB)".
 */
size_t		 fmt_rate(double, const char *, char *, size_t);
size_t		 fmt_bytes(uint64_t, char *, size_t);
/*
 * An RFC 3339 time member as the local time of day to the millisecond,
 * "07:39:24.913"; as it is when it is no such time; "-" if absent.
 */
size_t		 fmt_clock(json_t *, const char *, char *, size_t);
/* Nanoseconds from the time member from to the member to; 0 unknown. */
int64_t		 fmt_span(json_t *, const char *, const char *);
/*
 * The live table of a passive task: its header, and a row of an
 * interface's figures over an interval (an object with Lopa's counters
 * and our rates; NULL: the interface was not found), without newline:
 *
 *	TIME         INTERFACE      RX bit/s      TX bit/s   RX pkt/s ...
 *	07:39:24.913 vA          5.25 kbit/s   5.25 kbit/s       8.00 ...
 *
 * then TX pkt/s and the interval's errors and drops, "RX err/drop" and
 * "TX err/drop" as "0/0".  width: the INTERFACE column's, from
 * fmt_passive_width() of the task's result.
 */
size_t		 fmt_passive_head(int, char *, size_t);
size_t		 fmt_passive_row(json_t *, const char *, const char *, int,
		    char *, size_t);
int		 fmt_passive_width(json_t *);
/*
 * The rows of a round of a task's result (a duration task's interval,
 * at its end), and of the last read of a continuous one (at its
 * last_updated): every interface's last interval when all, else only
 * those not found.
 */
void		 fmt_passive_round(FILE *, json_t *, json_t *, int);
void		 fmt_passive_read(FILE *, json_t *, int, int);
/*
 * The summary at the end of a passive task:
 *
 *	--- vA,lo passive statistics ---
 *	6 intervals in 3.000 s, 7 reads
 *	vA
 *	  rx 614 bytes, 7 packets, 0 errors, 0 drops, 0 multicast
 *	  tx 614 bytes, 7 packets, 0 errors, 0 drops
 *	  average rx 1.64 kbit/s, 2.33 pkt/s; tx 1.64 kbit/s, 2.33 pkt/s
 *
 * an interface's name followed by what is unusual: "(not found, gone 1
 * time, 2 counter resets)".  task show's part of a passive task: the
 * reads, Lopa's sums, each interface's total, last interval and window,
 * the rounds as the live table, the window's sums.
 */
void		 fmt_passive_summary(FILE *, json_t *);
void		 fmt_passive_show(FILE *, json_t *);
/*
 * A Prometheus or OpenMetrics exposition (GET /metrics, len bytes), only
 * the families whose names contain one of the patterns: each whole, its
 * HELP, TYPE and UNIT lines and every sample of it (NAME, NAME_total,
 * NAME_bucket, NAME_sum, NAME_count, NAME_info, ...), then OpenMetrics'
 * "# EOF".  The lines as they came; the number of families kept.
 */
size_t		 fmt_metrics(FILE *, const char *, size_t,
		    const char *const *, size_t);

#endif /* LOPACTL_FMT_H */
