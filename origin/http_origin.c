/* stub: to be written */
#include "config.h"
typedef int http_origin_stub_t;
