/* ls_error_level_of: the one place a failure's reach is decided. Ours (out
 * of memory, internal) stops the scan; every other code is the input's fault
 * and stays with that input. */
#include "check.h"
#include "layerscan/error.h"

static ls_error_level level(ls_code code)
{
    ls_error e = {0};
    if (code != LS_OK)
        ls_error_set(&e, code, "x: y");
    return ls_error_level_of(&e);
}

int main(void)
{
    CHECK_INT(ls_error_level_of(NULL), LS_LEVEL_OK);
    CHECK_INT(level(LS_OK), LS_LEVEL_OK);
    CHECK_INT(level(LS_ERR_USAGE), LS_LEVEL_INPUT);
    CHECK_INT(level(LS_ERR_IO), LS_LEVEL_INPUT);
    CHECK_INT(level(LS_ERR_FORMAT), LS_LEVEL_INPUT);
    CHECK_INT(level(LS_ERR_LIMIT), LS_LEVEL_INPUT);
    CHECK_INT(level(LS_ERR_UNSUPPORTED), LS_LEVEL_INPUT);
    CHECK_INT(level(LS_ERR_DIGEST), LS_LEVEL_INPUT);
    CHECK_INT(level(LS_ERR_NOMEM), LS_LEVEL_FATAL);
    CHECK_INT(level(LS_ERR_INTERNAL), LS_LEVEL_FATAL);
    {
        ls_error e = {.code = (ls_code)99};
        CHECK_INT(ls_error_level_of(&e), LS_LEVEL_FATAL); /* an unknown code is a bug */
    }
    CHECK_DONE();
}
