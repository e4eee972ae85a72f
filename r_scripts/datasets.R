# The data sets R packages ship, for pylme.datasets.list(): one row per data set.
pylme_dataset_list <- function(req) {
  rows <- lapply(unlist(req$packages), function(p) {
    if (!nzchar(system.file(package = p))) return(NULL)
    res <- utils::data(package = p)$results
    # "name (object)" when a file holds an object of another name: keep the object's name
    item <- sub("^.*\\((.*)\\)$", "\\1", res[, "Item"])
    data.frame(package = rep(p, length(item)), name = item, title = res[, "Title"],
               stringsAsFactors = FALSE)
  })
  df <- do.call(rbind, rows)
  if (is.null(df)) df <- data.frame(package = character(), name = character(), title = character())
  list(package = df$package, name = df$name, title = df$title)
}
