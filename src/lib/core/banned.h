/*
 * Functions that are easy to misuse: turn them into compile errors inside the library (git's banned.h).
 */
#ifndef TP_BANNED_H
#define TP_BANNED_H

#define TP_BANNED(func) sorry_##func##_is_banned_in_trialpack

#undef strcpy
#define strcpy(x, y) TP_BANNED(strcpy)
#undef strcat
#define strcat(x, y) TP_BANNED(strcat)
#undef sprintf
#define sprintf(...) TP_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) TP_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) TP_BANNED(strtok)
#undef gets
#define gets(x) TP_BANNED(gets)
#undef atoi
#define atoi(x) TP_BANNED(atoi)
#undef localtime
#define localtime(x) TP_BANNED(localtime)
#undef gmtime
#define gmtime(x) TP_BANNED(gmtime)

#endif
