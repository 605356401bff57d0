/* stub: to be written */
#include "config.h"
typedef int http_path_stub_t;
