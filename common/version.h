/*
 * lopa: version and source revision.
 */
#ifndef LOPA_VERSION_H
#define LOPA_VERSION_H

#define LOPA_VERSION	"0.1.0"

extern const char	 lopa_revision[];

#endif /* LOPA_VERSION_H */
