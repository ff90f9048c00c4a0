#ifndef PDT_CORE_BANNED_H
#define PDT_CORE_BANNED_H
/*
 * Every pdt .c file includes this as its very last #include (after system
 * headers, whose declarations it would otherwise break), as git does.
 * Unbounded or static-state functions become compile errors; use the bounded
 * forms named beside them.
 */
#define BANNED(func) sorry_##func##_is_banned_in_pdt

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)      /* use snprintf or buf */
#undef strcat
#define strcat(x, y) BANNED(strcat)      /* use buf */
#undef sprintf
#define sprintf(...) BANNED(sprintf)     /* use snprintf */
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)   /* use vsnprintf */
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)      /* use strtok_r or a pointer parser */
#undef atoi
#define atoi(x) BANNED(atoi)             /* use strtol with range checks */
#undef atol
#define atol(x) BANNED(atol)
#undef gmtime
#define gmtime(x) BANNED(gmtime)         /* use gmtime_r or timeutil */
#undef localtime
#define localtime(x) BANNED(localtime)   /* the server's zone never shows */

#endif
