/* errno_start - test helper: prints errno as main() finds it ("errno 0"
 * for a program that is not disturbed by what ran before main). */
#include <errno.h>
#include <stdio.h>

int main(void)
{
	int e = errno;
	printf("errno %d\n", e);
	return 0;
}
