/* stub: to be written */
#include "config.h"
typedef int rtmp_session_stub_t;
