/*
 * lopa: the source revision, rebuilt on every build so it never goes stale.
 */
#include "version.h"

#ifndef LOPA_REVISION
#define LOPA_REVISION	"unknown"
#endif

const char	 lopa_revision[] = LOPA_REVISION;
