/* stub: to be written */
#include "config.h"
typedef int origin_conf_stub_t;
