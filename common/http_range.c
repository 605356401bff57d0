/* stub: to be written */
#include "config.h"
typedef int http_range_stub_t;
