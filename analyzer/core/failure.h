/*
 * failure.h - the message of a failure where it leaves the library for the
 * user: a layer's `errors` entry in the report, the program's
 * "layerscan: ..." line, an audit's error line.
 *
 * Every failure carries its message (error.h). One that does not is a bug
 * of the stage that failed, and would reach the user as an empty line:
 * debug builds (and so the sanitizer suite) abort there, naming the place;
 * release builds print a line that says a message was lost instead of an
 * empty one.
 */
#ifndef LS_CORE_FAILURE_H
#define LS_CORE_FAILURE_H

#include <assert.h>

#include "layerscan/error.h"

/* e's message; e must hold a failure with one (asserted). */
static inline const char *ls_failure_msg(const ls_error *e)
{
    assert(e && e->code != LS_OK && e->msg[0] != '\0');
    if (!e || e->msg[0] == '\0')
        return "internal error: a failure lost its message";
    return e->msg;
}

#endif
