/* stub: to be written */
#include "config.h"
typedef int amf0_stub_t;
