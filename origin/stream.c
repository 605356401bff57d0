/* stub: to be written */
#include "config.h"
typedef int stream_stub_t;
