/* stub: to be written */
#include "config.h"
typedef int h264_config_stub_t;
