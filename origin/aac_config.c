/* stub: to be written */
#include "config.h"
typedef int aac_config_stub_t;
