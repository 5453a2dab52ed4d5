/* help: the text of `rbusage --help`: every command and option in one
 * screenful per section, kept in step with the man page by
 * tests/e2e/manpage.sh. */
#ifndef RB_HELP_H
#define RB_HELP_H

extern const char help_text[];

#endif
