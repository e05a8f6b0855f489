package org.klp.server.api;

import java.util.List;

/**
 * A view that has a CSV form besides its JSON one: a header row, then one row per record (a host,
 * a finding, a CVE, a stream). The renderer ({@link Renderer}) writes whichever the caller asked
 * for with {@code format=csv} or {@code format=json}; the view itself knows nothing of either.
 * {@link #columns()} and each row have the same length.
 */
public interface Tabular {

    List<String> columns();

    List<List<Object>> rows();
}
