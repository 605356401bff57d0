/* stub */
#include "config.h"
typedef int json_read_stub_t;
