#include "check.h"
static int t_todo(void) { return 0; }
int main(void) { RUN(t_todo); return check_done(); }
