/* stub: to be written */
#include "config.h"
typedef int rtmp_server_stub_t;
