package org.klp.server.api;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own answers — to a request it refuses before any route sees it (a malformed request
 * line, {@code %00} or an ambiguous {@code %2e%2e} in a path, a URI or headers over the limits) —
 * in the API's shape: the JSON error body and every security header, instead of Jetty's HTML page.
 * The text is the status's standard phrase: what Jetty knows of the cause stays in Jetty.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        if (request.getAttribute(ERROR_STATUS) instanceof Integer s) {
            status = s;
        }
        if (status < 400) {
            status = 500;
        }
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        fill(headers);
        response.write(true, ByteBuffer.wrap(body(status)), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fill(fields);
        return ByteBuffer.wrap(body(status));
    }

    private static void fill(HttpFields.Mutable headers) {
        HttpApi.SECURITY_HEADERS.forEach((name, value) -> headers.put(new HttpField(name, value)));
        headers.put(HttpHeader.CONTENT_TYPE, "application/json");
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
    }

    static byte[] body(int status) {
        String phrase = HttpStatus.getMessage(status);
        String advice = switch (status) {
            case 400 -> "the request is malformed (its request line, a percent-encoding or a header); see /api/openapi.json";
            case 414 -> "the URI is longer than the server reads";
            case 431 -> "the request's headers are larger than the server reads";
            case 408 -> "the request did not arrive in time";
            default -> "see /api/openapi.json";
        };
        return JsonCodec.write(new HttpApi.ErrorBody("error", status, phrase.toLowerCase(java.util.Locale.ROOT) + ": " + advice));
    }
}
