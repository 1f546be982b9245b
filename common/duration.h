/*
 * lopa: durations as integer nanoseconds.
 */
#ifndef LOPA_DURATION_H
#define LOPA_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse "1s", "250ms", "1m30s", "1.5s", "2h", "100us", "10ns" or a bare
 * integer (nanoseconds).  Units: ns, us (or µs), ms, s, m, h.  Returns 0 and
 * stores the value, or -1 with a static reason in *errstr (negative,
 * overflow, missing unit, unknown unit, empty, trailing garbage).
 */
int	 duration_parse(const char *, int64_t *, const char **);
/* Format like Go's time.Duration.String(): "1m30s", "250ms", "0s". */
size_t	 duration_format(int64_t, char *, size_t);

#endif /* LOPA_DURATION_H */
