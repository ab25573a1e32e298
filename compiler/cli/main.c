#include <stdio.h>
int main(void) { puts("infrac: not yet"); return 2; }
