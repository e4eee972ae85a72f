# pylme runtime helpers. Sourced once per R session into pylme's own environment
# (never globalenv). Python calls these functions with values as arguments; no user
# text is ever pasted into R source.

# Versions of R and of the packages pylme needs; NA where a package is missing.
pylme_versions <- function() {
  ver <- function(p) {
    if (nzchar(system.file(package = p))) as.character(utils::packageVersion(p)) else NA_character_
  }
  list(
    R = paste(R.version$major, R.version$minor, sep = "."),
    lme4 = ver("lme4"),
    Matrix = ver("Matrix"),
    collate = Sys.getlocale("LC_COLLATE")
  )
}

pylme_load <- function() {
  suppressPackageStartupMessages(loadNamespace("lme4"))
  invisible(TRUE)
}

# Signal a pylme-classified error; Python maps the class to FormulaError/DataError/ValueError.
# `also` adds classes (pylme_refused: pylme's own safety check, not lme4, refused it).
pylme_stop <- function(kind, msg, also = character()) {
  cond <- structure(
    class = c(also, paste0("pylme_", kind, "_error"), "error", "condition"),
    list(message = msg, call = NULL)
  )
  stop(cond)
}

# Run fun(req) with everything R would print or signal captured:
# stdout and message-stream output go to a text connection, warnings and messages are
# recorded and muffled, and an error becomes a plain list. Nothing reaches the console.
pylme_call <- function(fun, req) {
  pylme_english()
  on.exit(pylme_english(restore = TRUE), add = TRUE)
  warnings <- character()
  messages <- character()
  warning_origins <- character()
  message_origins <- character()
  output <- character()
  con <- textConnection("output", "w", local = TRUE)
  sink(con)
  sink(con, type = "message")
  restored <- FALSE
  restore <- function() {
    if (!restored) {
      sink(type = "message")
      sink()
      close(con)
      restored <<- TRUE
    }
  }
  on.exit(restore(), add = TRUE)
  res <- tryCatch(
    withCallingHandlers(
      list(ok = TRUE, value = fun(req)),
      warning = function(w) {
        warnings <<- c(warnings, conditionMessage(w))
        warning_origins <<- c(warning_origins, pylme_origin(w))
        invokeRestart("muffleWarning")
      },
      message = function(m) {
        messages <<- c(messages, sub("\n$", "", conditionMessage(m)))
        message_origins <<- c(message_origins, pylme_origin(m))
        invokeRestart("muffleMessage")
      }
    ),
    error = function(e) {
      cl <- conditionCall(e)
      list(
        ok = FALSE,
        error_class = class(e),
        error_message = conditionMessage(e),
        error_call = pylme_call_text(cl)
      )
    }
  )
  restore()
  res$warnings <- warnings
  res$messages <- messages
  res$warning_origins <- warning_origins
  res$message_origins <- message_origins
  res$output <- paste(output, collapse = "\n")
  res
}

# Where a warning or message comes from, so that pylme classifies it by where it was
# signalled, not by its text. Called from a calling handler, while the signalling call is
# still on the stack: the frame whose call is the condition's call is the function that
# signalled it. "checkConv": lme4's convergence checker; "checkConv:singular": the checker's
# boundary check (checkConv's own is.singular is TRUE there; that check comes first and
# returns before any other); "optwrap": lme4's report of the optimizer's return code;
# "Nelder_Mead": lme4's Nelder-Mead stopping at maxfun; "" for anything else.
pylme_origin <- function(cond) {
  call <- conditionCall(cond)
  if (is.null(call) || !isNamespaceLoaded("lme4")) {
    return("")
  }
  ns <- asNamespace("lme4")
  for (i in rev(seq_len(sys.nframe()))) {
    if (!identical(sys.call(i), call)) next
    # message()'s condition carries the call of message() itself: the signaller is its caller.
    if (identical(sys.function(i), base::message)) i <- sys.parents()[i]
    if (i < 1L) return("")
    fun <- sys.function(i)
    if (identical(fun, get0("checkConv", envir = ns, inherits = FALSE))) {
      singular <- isTRUE(get0("is.singular", envir = sys.frame(i), inherits = FALSE))
      return(if (singular) "checkConv:singular" else "checkConv")
    }
    if (identical(fun, get0("optwrap", envir = ns, inherits = FALSE))) {
      return("optwrap")
    }
    # lme4's own Nelder-Mead stopped at maxfun ("failure to converge in 10 evaluations")
    if (identical(fun, get0("Nelder_Mead", envir = ns, inherits = FALSE))) {
      return("Nelder_Mead")
    }
    return("")
  }
  ""
}

# A condition's call as one short line: arguments that are values (a fitted model, a long
# vector) show as <...>, and a function object as the head (do.call(f, ...)) as <function>;
# deparsing them whole would give kilobytes.
pylme_call_text <- function(cl) {
  if (is.null(cl) || !is.call(cl)) return("")
  head <- cl[[1L]]
  if (!(is.name(head) || (is.call(head) && identical(head[[1L]], as.name("::"))))) {
    cl[[1L]] <- as.name("<function>")
  }
  for (i in seq_along(cl)[-1L]) {
    small <- tryCatch({
      a <- cl[[i]]
      is.name(a) || is.call(a) || (is.atomic(a) && length(a) <= 3L)
    }, error = function(e) TRUE)
    if (!small) cl[[i]] <- as.name("<...>")
  }
  txt <- deparse(cl, width.cutoff = 500L, nlines = 1L)[1L]
  gsub("`(<[.a-z]+>)`", "\\1", txt)
}

# R's messages in English during pylme's calls, whatever the user's LANGUAGE, so that what
# pylme reports (and classifies) is the same in every language; the user's setting (or its
# absence) is put back afterwards, so nothing leaks into R's or child processes' environment.
pylme_lang <- new.env()
pylme_english <- function(restore = FALSE) {
  if (!restore) {
    old <- Sys.getenv("LANGUAGE", unset = NA)
    pylme_lang$old <- old
    if (!identical(old, "en")) {
      Sys.setenv(LANGUAGE = "en")
      bindtextdomain(NULL)
    }
  } else {
    old <- pylme_lang$old
    if (!identical(old, "en")) {
      if (is.na(old)) Sys.unsetenv("LANGUAGE") else Sys.setenv(LANGUAGE = old)
      bindtextdomain(NULL)
    }
  }
  invisible(TRUE)
}

# Levels R's factor() gives for a set of unique strings in this session's collation, and
# where each input string falls among them (1-based). Python maps its own dictionary codes
# through `position`, so no per-row R string is ever made.
# Sorting thousands of strings by the collation (ICU) is slow, so first try byte order
# (a radix sort): when that order is already strictly increasing under the session's
# collation, it is the one order factor() would give (a strict order of distinct strings
# is unique), checked with n - 1 comparisons instead of a full collation sort.
pylme_levels <- function(req) {
  u <- req$uniques
  lev <- u[order(u, method = "radix")]
  if (is.unsorted(lev, strictly = TRUE)) lev <- levels(factor(u))
  list(levels = lev, position = match(u, lev))
}

# Variable names a formula needs (all.vars), for sending only those columns.
pylme_formula_vars <- function(req) {
  f <- pylme_parse_formula(req$formula, trusted = isTRUE(req$trusted))
  all.vars(f)
}

# A data set that an R package ships, as a data.frame (for pylme.datasets).
pylme_dataset <- function(req) {
  if (!nzchar(system.file(package = req$package))) {
    pylme_stop("data", sprintf("the R package '%s' is not installed", req$package))
  }
  env <- new.env()
  items <- pylme_dataset_items(req$package)
  file <- items$file[match(req$name, items$name)]
  found <- utils::data(list = if (is.na(file)) req$name else file, package = req$package, envir = env)
  if (!exists(req$name, envir = env, inherits = FALSE)) {
    pylme_stop("data", sprintf("the R package '%s' has no data set '%s'", req$package, req$name))
  }
  df <- as.data.frame(get(req$name, envir = env))
  keep <- vapply(df, function(x) is.numeric(x) || is.factor(x) || is.logical(x) || is.character(x), TRUE)
  df <- df[keep]
  list(
    names = names(df),
    columns = lapply(df, function(x) {
      if (is.factor(x)) list(codes = as.integer(x), levels = levels(x), ordered = is.ordered(x)) else x
    })
  )
}

# A model as R's serialize() bytes, and back (pickling a fit keeps its R model this way),
# through a file connection, which serialize() writes a few kB at a time: the serialized
# model never sits in R's memory whole (serialize(model, NULL) holds it in a growing buffer,
# then copies it into a raw vector). Pickling streams the file (pylme/runtime/pickled.py).
pylme_serialize_file <- function(req) {
  con <- file(req$path, "wb")
  on.exit(close(con))
  serialize(req$model, con)
  invisible(NULL)
}

pylme_unserialize_file <- function(req) {
  con <- file(req$path, "rb")
  on.exit(close(con))
  list(model = unserialize(con))
}
