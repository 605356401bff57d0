/* stub: to be written */
#include "config.h"
typedef int rtmp_hs_stub_t;
