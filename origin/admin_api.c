/* stub: to be written */
#include "config.h"
typedef int admin_api_stub_t;
