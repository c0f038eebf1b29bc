package org.mydata.operator.bench.floor;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The floor of scenario 1: the least a signed REST write can cost on the operator's stack. A Spring Boot
 * application with the operator's starters (webmvc on Tomcat, the OAuth2 resource server checking an RS256
 * bearer token as the embedded authorization server signs them, Jackson, Hikari) whose one endpoint parses a
 * small JSON body, signs one Ed25519 JWS with Nimbus and Tink as consent-core does, inserts it in one durable
 * single-row transaction into the operator's own PostgreSQL server (a database of its own) and answers a
 * small JSON document. Everything the operator does beyond that (reading the consent and its chain, the log,
 * the statements per record) is what the ratio to this floor measures.
 *
 * <pre>
 * java -cp ... org.mydata.operator.bench.floor.FloorApplication --server.port=N --floor.pg-port=N
 *     --floor.token-key=FILE
 * </pre>
 *
 * The token key is the floor's own authorization server, reduced to a key: an RSA JWK made at the first
 * start and written (private part included) to {@code floor.token-key}, from which the load driver mints
 * access tokens the way the embedded authorization server does. It is a benchmark's throwaway key.
 */
@SpringBootApplication
public class FloorApplication {
    static final String DATABASE = "bench_floor";

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(FloorApplication.class);
        // The operator's own settings for what the floor shares with it (operator-api application.properties).
        app.setDefaultProperties(Map.of(
                "spring.main.banner-mode", "off",
                "spring.mvc.problemdetails.enabled", "true",
                "spring.jackson.deserialization.fail-on-unknown-properties", "true",
                "spring.jackson.default-property-inclusion", "non_null",
                "server.error.include-stacktrace", "never",
                "server.error.include-message", "never"));
        app.run(args);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** The operator's pool: Hikari, 16 connections (DatabaseConfig), into a database of the floor's own. */
    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(@Value("${floor.pg-port}") int pgPort,
                                @Value("${floor.pg-secret:}") String secretFile) throws SQLException {
        String server = "jdbc:postgresql://localhost:" + pgPort + "/";
        // The operator's embedded PostgreSQL asks for the superuser's password (SCRAM), kept 0600 beside its data
        // (postgres.secret): run.sh passes the file, as the driver reads it (Driver.Ctx.pgUrl).
        String password = "";
        if (!secretFile.isBlank()) {
            try {
                password = java.nio.file.Files.readString(Path.of(secretFile)).strip();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        try (Connection c = DriverManager.getConnection(server + "postgres", "postgres", password);
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'")) {
                if (!rs.next()) {
                    s.execute("create database " + DATABASE);
                }
            }
        }
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(server + DATABASE);
        dataSource.setUsername("postgres");
        dataSource.setPassword(password);
        dataSource.setMaximumPoolSize(16);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists status_record (id uuid primary key, consent_id uuid not null, "
                    + "status text not null, subject text not null, record text not null, "
                    + "created_at timestamptz not null)");
        }
        return dataSource;
    }

    /** The record key: one Ed25519 key pair, as the operator's keystore holds (a throwaway one here). */
    @Bean
    OctetKeyPair recordKey() throws JOSEException {
        return new OctetKeyPairGenerator(Curve.Ed25519).keyID(UUID.randomUUID().toString()).generate();
    }

    @Bean
    RSAKey tokenKey(@Value("${floor.token-key}") Path file) throws JOSEException {
        try {
            if (Files.exists(file)) {
                return RSAKey.parse(Files.readString(file));
            }
            RSAKey key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, key.toJSONString(), StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.text.ParseException e) {
            throw new IllegalStateException("not an RSA JWK: " + file, e);
        }
    }

    /** As the operator's jwtDecoder for the embedded authorization server: the public key, the timestamps. */
    @Bean
    JwtDecoder jwtDecoder(RSAKey tokenKey) throws JOSEException {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withPublicKey(tokenKey.toRSAPublicKey()).build();
        decoder.setJwtValidator(new JwtTimestampValidator(Duration.ofSeconds(60)));
        return decoder;
    }

    /** The operator's API chain (ApiSecurityConfig), cut to the floor's one route. */
    @Bean
    SecurityFilterChain floorChain(HttpSecurity http, JwtDecoder jwtDecoder) throws Exception {
        http.authorizeHttpRequests(auth -> auth
                        .requestMatchers("/floor/**").hasAuthority("SCOPE_citizen")
                        .anyRequest().authenticated())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .oauth2ResourceServer(rs -> rs.jwt(jwt -> jwt.decoder(jwtDecoder)));
        return http.build();
    }

    @EventListener
    void ready(ApplicationReadyEvent event) {
        System.out.println("Floor application is running");
    }
}
