# The data sets R packages ship, for pylme.datasets.list(): one row per data set object.
# utils::data() lists an object stored in a file of another name as "object (file)"
# (lme4's "grouseticks_agg (grouseticks)"): the row's name is the object's, the name load()
# takes; `file` is what data() loads it from.
pylme_dataset_items <- function(p) {
  res <- utils::data(package = p)$results
  item <- res[, "Item"]
  in_file <- grepl("^.* \\(.*\\)$", item)
  name <- sub(" \\(.*\\)$", "", item)
  file <- ifelse(in_file, sub("^.*\\((.*)\\)$", "\\1", item), name)
  data.frame(package = rep(p, length(item)), name = name, file = file, title = res[, "Title"],
             stringsAsFactors = FALSE)
}

pylme_dataset_list <- function(req) {
  rows <- lapply(unlist(req$packages), function(p) {
    if (!nzchar(system.file(package = p))) return(NULL)
    pylme_dataset_items(p)
  })
  df <- do.call(rbind, rows)
  if (is.null(df)) df <- data.frame(package = character(), name = character(), title = character())
  list(package = df$package, name = df$name, title = df$title)
}
