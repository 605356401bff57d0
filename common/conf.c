/* stub: to be written */
#include "config.h"
typedef int conf_stub_t;
