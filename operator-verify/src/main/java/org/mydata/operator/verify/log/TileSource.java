package org.mydata.operator.verify.log;

import java.io.IOException;

/** Where a tiled log's resources come from: a web server, a mirror on disk, or the operator's own database. */
@FunctionalInterface
public interface TileSource {

    /**
     * The bytes of one resource under the log's prefix, {@code checkpoint} or a tile path.
     *
     * @throws IOException when it cannot be had (absent, unreachable)
     */
    byte[] read(String path) throws IOException;
}
